"""Trace list filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from console.audit.models import Trace
from console.audit.presentation import service_name


class TraceFilterForm(forms.Form):
    """Filters of the trace list: operation, service, result and page."""

    operation = forms.ChoiceField(label=_("Operation"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("All results")), *Trace.Result.choices]
    )

    def __init__(
        self, *args: Any, operations: list[str], services: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operation"].choices = [("", _("All operations"))] + [
            (op, op) for op in operations
        ]
        self.fields["service"].choices = [("", _("All services"))] + [
            (s, f"{s} – {service_name(s)}" if s.isupper() else service_name(s)) for s in services
        ]
