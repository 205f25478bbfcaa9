"""My Credentials → Access Keys: create (shown once), enable, disable, delete."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from console.decorators import project_required
from console.errors import ConsoleError
from console.htmx import refuse
from console.iam import services
from console.iam.models import AccessKey


class AccessKeyCreateForm(forms.Form):
    """Create Access Key: confirmed with the user's password."""

    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    description = forms.CharField(label=_("Description"), max_length=255, required=False)


# The session key naming the access key whose secret the next page shows, once.
CREATED_KEY = "iam.access_key_created"


def _context(request: HttpRequest, form: AccessKeyCreateForm) -> dict:
    keys = AccessKey.objects.filter(user=request.user).order_by("created", "pk")
    return {"keys": keys, "form": form, "max_keys": AccessKey.MAX_PER_USER}


@project_required
@require_safe
def access_key_list(request: HttpRequest) -> HttpResponse:
    """The user's access keys and the Create Access Key form."""
    return render(request, "iam/access_keys.html", _context(request, AccessKeyCreateForm()))


def credentials_csv(username: str, ak: str, sk: str) -> str:
    """credentials.csv as the real console offers it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["User Name", "Access Key Id", "Secret Access Key"])
    writer.writerow([username, ak, sk])
    return out.getvalue()


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def access_key_create(request: HttpRequest) -> HttpResponse:
    """Create a key, then show its secret once on the page it redirects to (POST/redirect/GET).

    Opened directly, the address leads to the form on the list page.
    """
    if request.method != "POST":
        return redirect("iam:access_keys")
    form = AccessKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            new = services.access_key_create(
                actor=request.user,
                project=request.project,
                password=form.cleaned_data["password"],
                description=form.cleaned_data["description"],
            )
        except ConsoleError as error:
            refuse(request, error, form)
        else:
            # Only the key's ID: the secret stays encrypted in its row until shown.
            request.session[CREATED_KEY] = new.key.access_key
            return redirect("iam:access_key_created")
    return render(request, "iam/access_keys.html", _context(request, form), status=200)


@project_required
@require_safe
@never_cache
def access_key_created(request: HttpRequest) -> HttpResponse:
    """The new key's secret and its credentials.csv, shown once: a reload shows it no more."""
    ak = request.session.pop(CREATED_KEY, None)
    key = AccessKey.objects.filter(user=request.user, access_key=ak).first() if ak else None
    secret = services.secret_decrypt(key) if key else None
    if secret is None:
        messages.info(
            request,
            _("A secret access key is shown only once, when its key is created."),
        )
        return redirect("iam:access_keys")
    content = credentials_csv(request.user.get_username(), key.access_key, secret)
    context = {
        "key": key,
        "secret": secret,
        "csv_href": "data:text/csv;charset=utf-8," + quote(content),
    }
    return render(request, "iam/access_key_created.html", context)


@project_required
@require_POST
def access_key_status(request: HttpRequest, access_key: str) -> HttpResponse:
    """Enable or disable a key."""
    key = get_object_or_404(AccessKey, user=request.user, access_key=access_key)
    active = request.POST.get("status") == AccessKey.Status.ACTIVE
    try:
        services.access_key_set_status(
            actor=request.user, project=request.project, key=key, active=active
        )
    except ConsoleError as error:
        # Deleted meanwhile (another tab, another session): say so instead of failing.
        refuse(request, error)
    else:
        state = _("enabled") if active else _("disabled")
        messages.success(request, _("Access key %(ak)s %(state)s.") % {"ak": key, "state": state})
    return redirect("iam:access_keys")


@project_required
@require_POST
def access_key_delete(request: HttpRequest, access_key: str) -> HttpResponse:
    """Delete a key."""
    key = get_object_or_404(AccessKey, user=request.user, access_key=access_key)
    try:
        services.access_key_delete(actor=request.user, project=request.project, key=key)
    except ConsoleError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Access key %(ak)s deleted.") % {"ak": access_key})
    return redirect("iam:access_keys")
