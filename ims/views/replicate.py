"""Replicate Image: copy an own or accepted shared image into a private image (D9)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from console.decorators import project_required
from console.errors import ConsoleError
from console.htmx import HtmxHttpRequest, dialog_done, refuse, render_dialog
from console.kms.models import Key
from console.models import Project
from ims import services
from ims.forms import ImageReplicateForm
from ims.models import Image, ImageMember
from ims.services import image_use_refusal
from ims.views.shared import tab_context


def _replicate_refusal(project: Project, image: Image, *, shared: bool) -> ConsoleError | None:
    """Why `project` may not replicate `image` now; a recipient's share and grant decide too."""
    member = None
    if shared:
        member = (
            ImageMember.objects.filter(image=image, project=project)
            .with_key_access(project.tenant_id)
            .first()
        )
    return image_use_refusal(
        project=project,
        image=image,
        use="replicate",
        member_status=member.status if member else None,
        key_granted=member.key_granted if member else None,
    )


@project_required
@require_http_methods(["GET", "POST"])
def image_replicate(request: HtmxHttpRequest, image_id: object) -> HttpResponse:
    """Replicate Image dialog: name, description and, for encrypted images, own key."""
    project = request.project
    image = get_object_or_404(
        Image.objects.visible_to(project).select_related("owner__tenant", "kms_key"), pk=image_id
    )
    shared = image.owner_id not in (None, project.pk)
    refusal = _replicate_refusal(project, image, shared=shared)
    form = ImageReplicateForm(
        request.POST if request.method == "POST" else None, project=project, image=image
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.image_replicate(
                actor=request.user,
                project=project,
                image=image,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                kms_key=form.cleaned_data["kms_key"],
            )
        except ConsoleError as error:
            refuse(request, error, form)
        else:
            messages.success(
                request,
                _(
                    "Replication of %(source)s started: %(copy)s is Creating under Private "
                    "Images and becomes Normal when the copy is complete."
                )
                % {"source": image.name, "copy": copy.name},
            )
            return dialog_done(request, fallback_url=reverse("ims:private_images"))
    keys = (
        Key.objects.for_project(project)
        .custom()
        .filter(state=Key.State.ENABLED)
        .order_by("alias", "pk")
    )
    context = tab_context(request, "shared" if shared else "private") | {
        "image": image,
        "form": form,
        "refusal": refusal,
        "keys": list(keys) if image.encrypted else [],
        "max_gb": Image.MAX_REPLICATION_GB,
    }
    return render_dialog(request, "ims/image_replicate.html", context, dialog="replicate-dialog")
