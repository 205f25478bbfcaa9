"""Console core forms: login, region switch, and the scoped object field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The console's login form."""

    username = forms.CharField(
        label=_("IAM user name"), widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "Incorrect user name or password. Note that both fields may be case-sensitive."
        ),
        "inactive": _("This account is inactive."),
    }


class PreferencesForm(forms.Form):
    """The language (header) and time zone (user menu) the console is shown in."""

    language = forms.ChoiceField(choices=settings.LANGUAGES, required=False)
    time_zone = forms.ChoiceField(
        choices=[(z, z) for z in settings.CONSOLE_TIME_ZONES], required=False
    )
    next = forms.CharField(required=False, max_length=2000)


class RegionSwitchForm(forms.Form):
    """Choose the region (and so the project) the console works in."""

    region = forms.SlugField(max_length=32)
    next = forms.CharField(required=False, max_length=2000)


class ScopedObjectField(forms.UUIDField):
    """A UUID naming an object of the current project's queryset; any other ID is a 404."""

    def __init__(self, *, lookup: str = "pk", **kwargs: Any) -> None:
        self.queryset: QuerySet | None = None
        self.lookup = lookup
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        """Return the object, or answer 404 when the ID is outside the scope (D13)."""
        uuid_value = super().clean(value)
        if uuid_value is None:
            return None
        found = self.queryset.filter(**{self.lookup: uuid_value}).first()
        if found is None:
            # Another tenant's (or region's) object must look exactly like a missing one.
            raise Http404(_("No such object in this project."))
        return found
