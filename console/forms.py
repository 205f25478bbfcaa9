"""Console forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """The console's login form."""

    username = forms.CharField(
        label="IAM user name", widget=forms.TextInput(attrs={"autofocus": True})
    )


class RegionSwitchForm(forms.Form):
    """Choose the region (and so the project) the console works in."""

    region = forms.SlugField(max_length=32)
    next = forms.CharField(required=False, max_length=2000)
