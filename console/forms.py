"""Console core forms: login, region switch, and the scoped object field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The console's IAM user login: account name, IAM user name, password."""

    account = forms.CharField(
        label=_("Account name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    username = forms.CharField(label=_("IAM user name"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    # One message whichever part was wrong, as the real console says it.
    error_messages = {
        "invalid_login": _(
            "Incorrect account name, IAM user name or password. Note that the user name and "
            "password are case-sensitive."
        ),
        "inactive": _(
            "Incorrect account name, IAM user name or password. Note that the user name and "
            "password are case-sensitive."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        # The first field still empty gets the cursor: the account name is remembered, and a
        # refused login keeps the names but not the password.
        given = self.data if self.is_bound else self.initial
        first_empty = next((n for n in ("account", "username") if not given.get(n)), "password")
        self.fields[first_empty].widget.attrs["autofocus"] = True
        self.order_fields(["account", "username", "password"])

    def clean(self) -> dict[str, Any]:
        """Authenticate the three together; a wrong one of them is as wrong as any other."""
        account = self.cleaned_data.get("account")
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if account is not None and username is not None and password:
            self.user_cache = authenticate(
                self.request, account=account, username=username, password=password
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


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
