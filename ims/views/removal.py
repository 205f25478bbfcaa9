"""Delete Image: the checked images of Private Images, or one row's (lifecycle §3; D7, D11)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from console.decorators import project_required
from console.errors import ConsoleError, RoleRefused
from console.htmx import HtmxHttpRequest, refuse, render_dialog
from ims import services
from ims.forms import ImagesDeleteForm
from ims.models import Image, ImageBackup
from ims.services import DeleteResult


def _delete(
    request: HtmxHttpRequest, form: ImagesDeleteForm, images: list[Image]
) -> tuple[HttpResponse | None, ConsoleError | None]:
    """Run the service for a confirmed dialog: the way back to the list, or the refusal."""
    try:
        result = services.images_delete(
            actor=request.user,
            project=request.project,
            images=images,
            delete_backups=form.cleaned_data["delete_backups"],
        )
    except ConsoleError as refused:
        if isinstance(refused, RoleRefused):
            refuse(request, refused)
        return None, refused
    messages.success(request, _deleted_summary(result))
    target = _back_to_list(request)
    return (HttpResponseClientRedirect(target) if request.htmx else redirect(target)), None


def _dialog_context(request: HtmxHttpRequest, images: list[Image]) -> dict[str, object]:
    """The images as they are now, each with its refusal, and what deleting them takes along."""
    rows = list(
        Image.objects.filter(pk__in=[image.pk for image in images])
        .annotate(
            member_count=Count("members", distinct=True),
            server_count=Count(
                "servers", filter=Q(servers__project=request.project), distinct=True
            ),
        )
        .order_by("name", "pk")
    )
    for image in rows:
        image.delete_refusal = services.image_delete_refusal(image, request.project)
    full_ecs = [image for image in rows if image.image_type == Image.ImageType.FULL_ECS]
    shared = [image for image in rows if image.member_count]
    refused = [image for image in rows if image.delete_refusal]
    return {
        "images": rows,
        "single": rows[0] if len(rows) == 1 else None,
        "refused": refused,
        # All or nothing: Yes waits until every image listed can go.
        "nothing_to_submit": not rows or bool(refused),
        "shared": shared,
        "recipients": sum(image.member_count for image in shared),
        "servers": sum(image.server_count for image in rows),
        "full_ecs": full_ecs,
        "vault_backups": ImageBackup.objects.filter(
            image__in=full_ecs, vault_backup__isnull=False
        ).aggregate(count=Count("pk"), total=Sum("vault_backup__size_gb"))
        if full_ecs
        else {"count": 0, "total": 0},
    }


def _delete_dialog(
    request: HtmxHttpRequest, form: ImagesDeleteForm, images: list[Image], action: str
) -> HttpResponse:
    """Delete Image, for a selection or one row: the images, what goes with them, Yes/No.

    Each image shows why it cannot be deleted (the service's refusal), and Yes deletes all
    of them or none.
    """
    error = None
    if request.method == "POST" and images and form.is_valid():
        done, error = _delete(request, form, images)
        if done is not None:
            return done
    context = _dialog_context(request, images) | {
        "section": "ims",
        "form": form,
        "action": action,
        "error": error,
        # The backups go unless the user unticks the box (a GET shows it ticked).
        "delete_backups": request.method != "POST" or form.cleaned_data.get("delete_backups"),
    }
    return render_dialog(
        request,
        "ims/image_delete_dialog.html",
        context,
        dialog="image-delete-dialog",
        partials=["image-delete-panel"],
    )


def _deleted_summary(result: DeleteResult) -> str:
    """The success message of a deletion: what went, and who lost what."""
    if len(result.images) == 1:
        done = _("Image %(name)s deleted.") % {"name": result.images[0].name}
    else:
        done = ngettext(
            "%(count)d image deleted.", "%(count)d images deleted.", len(result.images)
        ) % {"count": len(result.images)}
    if result.members:
        done += " " + ngettext(
            "%(count)d recipient lost it.", "%(count)d recipients lost it.", len(result.members)
        ) % {"count": len(result.members)}
    if result.released_backups:
        done += " " + ngettext(
            "%(count)d backup (%(gb)d GB) deleted from the server backup vaults.",
            "%(count)d backups (%(gb)d GB) deleted from the server backup vaults.",
            result.released_backups,
        ) % {"count": result.released_backups, "gb": result.released_gb}
    elif result.kept_backups:
        done += " " + ngettext(
            "%(count)d backup stays in the server backup vaults.",
            "%(count)d backups stay in the server backup vaults.",
            result.kept_backups,
        ) % {"count": result.kept_backups}
    return done


@project_required
@require_http_methods(["GET", "POST"])
def images_delete(request: HtmxHttpRequest) -> HttpResponse:
    """Delete above the list: the checked images, confirmed with Yes (D7, D11)."""
    data = request.POST if request.method == "POST" else request.GET
    form = ImagesDeleteForm(data, project=request.project)
    if form.is_valid():
        images = list(form.cleaned_data["image"])
    elif form.names_foreign_image():
        raise Http404(_("No such image."))
    else:
        images = []
    return _delete_dialog(request, form, images, reverse("ims:images_delete"))


@project_required
@require_http_methods(["GET", "POST"])
def image_delete(request: HtmxHttpRequest, image_id: object) -> HttpResponse:
    """Delete in an image's row: the same dialog and service for that one image."""
    image = get_object_or_404(Image.objects.owned_by(request.project), pk=image_id)
    data = request.POST.copy() if request.method == "POST" else QueryDict(mutable=True)
    data.setlist("image", [str(image.pk)])
    form = ImagesDeleteForm(data, project=request.project)
    return _delete_dialog(request, form, [image], reverse("ims:image_delete", args=[image.pk]))


def _back_to_list(request: HtmxHttpRequest) -> str:
    """The Private Images list the user came from (with its filters), else the plain list."""
    private = reverse("ims:private_images")
    current = request.htmx.current_url if request.htmx else None
    if current:
        parts = urlsplit(current)
        if parts.path == private:
            return f"{private}?{parts.query}" if parts.query else private
    return private
