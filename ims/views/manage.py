"""Modify Image: an own image's name, description and memory limits."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from console.decorators import project_required
from console.errors import ConsoleError
from console.htmx import HtmxHttpRequest, dialog_done, refuse, render_dialog
from ims import services
from ims.forms import ImageModifyForm
from ims.views.private import _own_image


@project_required
@require_http_methods(["GET", "POST"])
def image_modify(request: HtmxHttpRequest, image_id: object) -> HttpResponse:
    """Modify Image dialog; only an own image in Normal status can be changed."""
    image = _own_image(request, image_id)
    refusal = services.image_modify_refusal(image, request.project)
    form = ImageModifyForm(request.POST if request.method == "POST" else None, image=image)
    if request.method == "POST" and refusal is None and form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.image_modify(
                actor=request.user,
                project=request.project,
                image=image,
                name=data["name"],
                description=data["description"],
                min_ram=data.get("min_ram") or 0,
                max_ram=data.get("max_ram") or 0,
            )
        except ConsoleError as error:
            refuse(request, error, form)
        else:
            messages.success(request, _("Image %(name)s modified.") % {"name": changed.name})
            detail = reverse("ims:image_detail", args=[image.pk])
            if request.htmx and urlsplit(request.htmx.current_url or "").path == detail:
                # The details show every attribute the dialog changed: load them again.
                return HttpResponseClientRefresh()
            return dialog_done(
                request,
                event="image-modified",
                fallback_url=reverse("ims:image_detail", args=[image.pk]),
            )
    context = {
        "section": "ims",
        "image": image,
        "form": form,
        "refusal": refusal,
        "description_max": services.attributes.MAX_DESCRIPTION_LENGTH,
        "name_rule": services.IMAGE_NAME_RULE,
        "description_rule": services.DESCRIPTION_RULE,
    }
    return render_dialog(
        request,
        "ims/image_modify_dialog.html",
        context,
        dialog="image-modify-dialog",
        partials=["image-modify-panel"],
    )
