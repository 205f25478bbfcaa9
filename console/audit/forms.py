"""Trace list filters."""

from __future__ import annotations

from typing import Any

from django import forms

from console.audit.models import Trace


class TraceFilterForm(forms.Form):
    """Filters of the trace list: operation, service, result and page."""

    operation = forms.ChoiceField(required=False)
    service = forms.ChoiceField(required=False)
    result = forms.ChoiceField(required=False, choices=[("", "All results"), *Trace.Result.choices])

    def __init__(
        self, *args: Any, operations: list[str], services: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operation"].choices = [("", "All operations")] + [
            (op, op) for op in operations
        ]
        self.fields["service"].choices = [("", "All services")] + [(s, s) for s in services]
