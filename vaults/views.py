"""CBR vault pages: list, create, detail, expand capacity and delete."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from console.decorators import project_required
from console.errors import ConsoleError, RoleRefused, VaultNotFound
from console.htmx import (
    HtmxHttpRequest,
    dialog_done,
    refuse,
    render_dialog,
    render_page,
    safe_next,
)
from vaults import services
from vaults.forms import VaultCreateForm, VaultDeleteForm, VaultExpandForm
from vaults.models import Vault

# Fired after a change made in a dialog; the vault list and summary listen for it.
VAULT_CHANGED = "vault-changed"


def _vault_or_404(request: HtmxHttpRequest, vault_id: UUID) -> Vault:
    """A vault of the current project (so also of the current region), else 404."""
    vaults = Vault.objects.for_project(request.project).with_usage().select_related("project")
    return get_object_or_404(vaults, vault_id=vault_id)


def _refuse(request: HtmxHttpRequest, form: forms.Form, error: ConsoleError) -> None:
    """Show a refusal on the form; a vault that is not the project's is a 404 (D13)."""
    if isinstance(error, VaultNotFound):
        raise Http404(error.message)
    refuse(request, error, form)


def _role_allows(
    request: HtmxHttpRequest, form: forms.Form, operation: str, vault: Vault | None = None
) -> bool:
    """Refuse a read-only user's change before validating anything; True when allowed.

    The refusal is audited like every other: a failed trace of the vault operation.
    """
    try:
        services.vault_change_check(
            actor=request.user,
            project=request.project,
            operation=operation,
            vault=vault,
            name=str(request.POST.get("name", "")),
        )
    except RoleRefused as error:
        _refuse(request, form, error)
        return False
    return True


@project_required
@require_safe
def vault_list(request: HtmxHttpRequest) -> HttpResponse:
    """The project's vaults with their used and free capacity."""
    vaults = Vault.objects.for_project(request.project).with_usage()
    context = {"section": "vaults", "vaults": vaults}
    return render_page(request, "vaults/vault_list.html", context, partials=["vault-table"])


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def vault_create(request: HtmxHttpRequest) -> HttpResponse:
    """Create Vault; afterwards go back to a same-site `next` page or to the new vault."""
    if request.method == "POST":
        form = VaultCreateForm(request.POST, project=request.project)
        if _role_allows(request, form, "createVault") and form.is_valid():
            data = form.cleaned_data
            try:
                vault = services.vault_create(
                    actor=request.user,
                    project=request.project,
                    name=data["name"],
                    resource_type=data["resource_type"],
                    protection_type=data["protection_type"],
                    capacity_gb=data["capacity_gb"],
                )
            except ConsoleError as error:
                _refuse(request, form, error)
            else:
                messages.success(request, _("Vault %(name)s created.") % {"name": vault.name})
                target = safe_next(request, data["next"])
                return redirect(target or reverse("vaults:vault_detail", args=[vault.vault_id]))
    else:
        form = VaultCreateForm(
            initial={"next": request.GET.get("next", "")}, project=request.project
        )
    context = {
        "section": "vaults",
        "form": form,
        "next_url": safe_next(request, form["next"].value()),
    }
    return render_page(request, "vaults/vault_form.html", context)


@project_required
@require_safe
def vault_detail(request: HtmxHttpRequest, vault_id: UUID) -> HttpResponse:
    """A vault's attributes and the backups it holds."""
    vault = _vault_or_404(request, vault_id)
    backups = vault.backups.order_by("-created", "id")
    context = {"section": "vaults", "vault": vault, "backups": backups}
    return render_page(request, "vaults/vault_detail.html", context, partials=["vault-summary"])


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def vault_expand(request: HtmxHttpRequest, vault_id: UUID) -> HttpResponse:
    """Expand Capacity: a larger total capacity, as a page or a dialog."""
    vault = _vault_or_404(request, vault_id)
    if request.method == "POST":
        form = VaultExpandForm(request.POST, vault=vault)
        if _role_allows(request, form, "updateVault", vault) and form.is_valid():
            capacity = form.cleaned_data["capacity_gb"]
            try:
                services.vault_expand(actor=request.user, vault=vault, capacity_gb=capacity)
            except ConsoleError as error:
                _refuse(request, form, error)
            else:
                messages.success(
                    request,
                    _("Vault %(name)s expanded to %(capacity)s GB.")
                    % {"name": vault.name, "capacity": capacity},
                )
                return dialog_done(
                    request,
                    fallback_url=reverse("vaults:vault_detail", args=[vault.vault_id]),
                    event=VAULT_CHANGED,
                )
    else:
        form = VaultExpandForm(vault=vault)
    context = {"section": "vaults", "vault": vault, "form": form}
    return render_dialog(
        request,
        "vaults/vault_expand.html",
        context,
        dialog="vault-expand-dialog",
        partials=["vault-expand-form"],
    )


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def vault_delete(request: HtmxHttpRequest, vault_id: UUID) -> HttpResponse:
    """Delete Vault: a confirmation (page or dialog); refused while the vault holds backups."""
    vault = _vault_or_404(request, vault_id)
    form = VaultDeleteForm(request.POST if request.method == "POST" else None)
    role_ok = request.method == "POST" and _role_allows(request, form, "deleteVault", vault)
    if role_ok and form.is_valid():
        try:
            services.vault_delete(actor=request.user, vault=vault)
        except ConsoleError as error:
            _refuse(request, form, error)
        else:
            messages.success(request, _("Vault %(name)s deleted.") % {"name": vault.name})
            return dialog_done(
                request, fallback_url=reverse("vaults:vault_list"), event=VAULT_CHANGED
            )
    context = {
        "section": "vaults",
        "vault": vault,
        "form": form,
        "holds_backups": vault.used_gb > 0,
    }
    return render_dialog(
        request,
        "vaults/vault_confirm_delete.html",
        context,
        dialog="vault-delete-dialog",
        partials=["vault-delete-form"],
    )
