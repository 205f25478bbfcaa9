"""Image tags: the owner adds and deletes them; recipients see and search them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from console.decorators import project_required
from console.errors import ConsoleError
from console.htmx import HtmxHttpRequest, refuse, render_dialog
from ims import services
from ims.forms import ImageTagForm
from ims.views.private import _own_image


@project_required
@require_http_methods(["GET", "POST"])
def image_tags(request: HtmxHttpRequest, image_id: object) -> HttpResponse:
    """Add and delete an own image's tags (recipients only see them)."""
    image = _own_image(request, image_id)
    form = ImageTagForm()
    changed = False
    if request.method == "POST":
        tag_form = ImageTagForm(request.POST)
        try:
            if "delete" in request.POST:
                key = request.POST["delete"]
                changed = services.image_tag_delete(
                    actor=request.user, project=request.project, image=image, key=key
                )
                messages.success(request, _("Tag %(key)s deleted.") % {"key": key})
            elif tag_form.is_valid():
                tag = services.image_tag_add(
                    actor=request.user,
                    project=request.project,
                    image=image,
                    key=tag_form.cleaned_data["key"],
                    value=tag_form.cleaned_data["value"],
                )
                changed = True
                messages.success(request, _("Tag %(tag)s saved.") % {"tag": tag})
            else:
                form = tag_form
        except ConsoleError as error:
            if "delete" in request.POST:
                refuse(request, error)
            else:
                form = tag_form
                refuse(request, error, form)
    context = {
        "section": "ims",
        "image": image,
        "tags": list(image.tags.order_by("key")),
        "form": form,
        "max_tags": services.MAX_TAGS_PER_IMAGE,
        "key_rule": services.TAG_KEY_RULE,
        "value_rule": services.TAG_VALUE_RULE,
    }
    response = render_dialog(
        request, "ims/image_tags.html", context, dialog="tags-dialog", partials=["tags-panel"]
    )
    if changed:
        # The lists and the detail page showing the tags reload themselves.
        trigger_client_event(response, "image-tagged")
    return response
