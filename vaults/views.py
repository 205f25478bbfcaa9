"""CBR vault pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from console.decorators import project_required
from console.htmx import render_page
from vaults.models import Vault


@project_required
@require_safe
def vault_list(request: HttpRequest) -> HttpResponse:
    """The project's vaults with their used and free capacity."""
    vaults = Vault.objects.for_project(request.project).with_usage()
    return render_page(request, "vaults/vault_list.html", {"section": "vaults", "vaults": vaults})
