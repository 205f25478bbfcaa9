"""Create Image page (Private Images → Create Image): an image of a server or a data disk.

The form asks the services' refusal functions, so the page and the services refuse alike.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from console.compute.imaging import (
    image_create_from_disk,
    image_create_from_server,
    server_disks,
    server_refusal,
)
from console.compute.models import Disk, Server
from console.decorators import project_required
from console.errors import ConsoleError
from console.forms import ScopedObjectField
from console.htmx import HtmxHttpRequest, error_summary, finish, refuse
from console.models import DiskRole, Project
from ims.models import Image
from ims.services import private_images_left
from ims.services.attributes import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    image_description_refusal,
    image_name_refusal,
)
from ims.services.creation import DiskSpec, data_disk_refusal, disks_refusal
from vaults.models import Vault

KINDS = [
    (Image.ImageType.SYSTEM, gettext_lazy("System disk image")),
    (Image.ImageType.FULL_ECS, gettext_lazy("Full-ECS image")),
    (Image.ImageType.DATA, gettext_lazy("Data disk image")),
]


class ImageCreateForm(forms.Form):
    """Image Type and Source, then Image Information."""

    image_type = forms.ChoiceField(choices=KINDS, initial=Image.ImageType.SYSTEM)
    server = ScopedObjectField(required=False, lookup="server_id")
    disk = ScopedObjectField(required=False, lookup="disk_id")
    vault = ScopedObjectField(required=False, lookup="vault_id")
    # The browser stops at the documented lengths; the rules themselves are the service's.
    name = forms.CharField(
        required=False, strip=False, widget=forms.TextInput(attrs={"maxlength": MAX_NAME_LENGTH})
    )
    description = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"maxlength": MAX_DESCRIPTION_LENGTH}),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["server"].queryset = Server.objects.for_project(project)
        self.fields["disk"].queryset = Disk.objects.for_project(project)
        self.fields["vault"].queryset = Vault.objects.for_project(project)

    def _check(self, field: str, refusal: ConsoleError | None) -> None:
        if refusal is not None:
            self.add_error(field, str(refusal))

    def clean(self) -> dict[str, Any]:
        """Each documented rule, from the function the service refuses with."""
        data = super().clean()
        self._check("name", image_name_refusal(data.get("name") or ""))
        self._check("description", image_description_refusal(data.get("description") or ""))
        kind = data.get("image_type")
        if kind == Image.ImageType.DATA:
            disk = data.get("disk")
            if disk is None:
                self.add_error("disk", _("Select a data disk."))
            else:
                spec = DiskSpec(disk.name, disk.role, disk.size_gb)
                self._check("disk", data_disk_refusal(spec, attached=disk.server_id is not None))
        elif kind:
            server = data.get("server")
            if server is None:
                self.add_error("server", _("Select an ECS."))
            else:
                self._check("server", server_refusal(server))
                self._check("server", disks_refusal(server_disks(server), kind))
            if kind == Image.ImageType.FULL_ECS and data.get("vault") is None:
                self.add_error("vault", _("Select a server backup vault."))
        return data


@project_required
@require_http_methods(["GET", "POST"])
def image_create(request: HtmxHttpRequest) -> HttpResponse:
    """Create Image: a system disk, full-ECS or data disk image of the project's ECS."""
    project = request.project
    form = ImageCreateForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": request.user,
            "project": project,
            "name": data["name"],
            "description": data["description"],
        }
        try:
            if data["image_type"] == Image.ImageType.DATA:
                image = image_create_from_disk(disk=data["disk"], **common)
            else:
                image = image_create_from_server(
                    server=data["server"],
                    full_ecs=data["image_type"] == Image.ImageType.FULL_ECS,
                    vault=data["vault"],
                    **common,
                )
        except ConsoleError as error:
            refuse(request, error, form)
        else:
            messages.success(
                request,
                _("%(name)s is being created; it becomes Normal when the image is complete.")
                % {"name": image.name},
            )
            return finish(request, reverse("ims:private_images"))
    servers = list(Server.objects.for_project(project).order_by("name", "pk"))
    disks = list(
        Disk.objects.for_project(project)
        .filter(role=DiskRole.DATA, server__isnull=False)
        .select_related("server")
        .order_by("name", "pk")
    )
    vaults = list(
        Vault.objects.for_project(project)
        .filter(resource_type=Vault.ResourceType.SERVER)
        .with_usage()
        .order_by("name", "pk")
    )
    context = {
        "section": "ims",
        "form": form,
        "error_summary": error_summary(form),
        "kinds": KINDS,
        "kind": form["image_type"].value() or Image.ImageType.SYSTEM,
        "servers": servers,
        "disks": disks,
        "vaults": vaults,
        "images_left": private_images_left(project),
    }
    return TemplateResponse(request, "compute/image_create.html", context)
