"""Public Images and Private Images: the platform's and the owner's tabs, sharing, details."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from console.decorators import project_required
from console.errors import ConsoleError, ShareRefused
from console.htmx import HtmxHttpRequest, dialog_done, paginate, refuse, render_dialog, render_page
from ims import services
from ims.forms import (
    ImageSelectionForm,
    ImageTagForm,
    PrivateImageFilterForm,
    ProjectIdsForm,
    PublicImageFilterForm,
    RecipientSelectionForm,
)
from ims.models import Image, ImageMember
from ims.services import ShareResult, image_share_refusal
from ims.views.shared import tab_context


def _query_prefix(filters: dict[str, object], keys: Iterable[str]) -> str:
    """The list's filters as a query-string prefix for the paging links."""
    query = {key: filters[key] for key in keys if filters.get(key)}
    return urlencode(query) + "&" if query else ""


def _own_image(request: HtmxHttpRequest, image_id: object) -> Image:
    """One of the current project's images; anything else is a 404 (D13)."""
    images = Image.objects.owned_by(request.project).select_related("kms_key")
    return get_object_or_404(images, pk=image_id)


def _recipients(image: Image) -> list[ImageMember]:
    """The image's members with their projects and tenants, newest first."""
    return list(
        ImageMember.objects.filter(image=image)
        .select_related("project__tenant")
        .order_by("-created", "-pk")
    )


# --- Public Images and Private Images tabs ----------------------------------------------


@project_required
@require_safe
def public_images(request: HtmxHttpRequest) -> HttpResponse:
    """Public Images: the platform's images of the current region."""
    form = PublicImageFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    images = Image.objects.public(request.region).order_by("name", "pk")
    if filters.get("q"):
        images = images.filter(name__icontains=filters["q"])
    page = paginate(images, filters.get("page"))
    context = tab_context(request, "public") | {
        "page": page,
        "filter_form": form,
        "query_prefix": _query_prefix(filters, ["q"]),
    }
    return render_page(request, "ims/public_images.html", context, partials=["image-list"])


@project_required
@require_safe
def private_images(request: HtmxHttpRequest) -> HttpResponse:
    """Private Images: the project's own images, with Share for those that can be shared."""
    form = PrivateImageFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    images = (
        Image.objects.owned_by(request.project)
        .filter(**form.tag_filter())
        .select_related("kms_key", "owner")
        .prefetch_related("tags")
        .order_by("-created", "name", "pk")
    )
    if filters.get("q"):
        images = images.filter(name__icontains=filters["q"])
    if filters.get("type"):
        images = images.filter(image_type=filters["type"])
    page = paginate(images, filters.get("page"))
    page.object_list = list(page.object_list)
    for image in page.object_list:
        image.share_refusal = image_share_refusal(image, request.project)
        image.modify_refusal = services.image_modify_refusal(image, request.project)
    context = tab_context(request, "private") | {
        "page": page,
        "filter_form": form,
        "filtered": bool(filters.get("q") or filters.get("type") or filters.get("tag_key")),
        "query_prefix": _query_prefix(filters, ["q", "type", "tag_key", "tag_value"]),
        "images_left": services.private_images_left(request.project),
        # A replica being created: the list reloads itself until it is Normal or Error.
        "creating": any(i.status == Image.Status.SAVING for i in page.object_list),
    }
    return render_page(request, "ims/private_images.html", context, partials=["image-list"])


# --- Share Image dialog -------------------------------------------------------------------


def _share_summary(result: ShareResult) -> tuple[str, str]:
    """The success and the "already shared" message of a share submission."""
    done = ""
    if result.added:
        images = {m.image_id: m.image.name for m in result.added}
        projects = {m.project_id for m in result.added}
        shared_with = ngettext("%(count)d project", "%(count)d projects", len(projects)) % {
            "count": len(projects)
        }
        if len(images) == 1:
            done = _("Image %(name)s shared with %(projects)s.") % {
                "name": next(iter(images.values())),
                "projects": shared_with,
            }
        else:
            done = _("%(count)d images shared with %(projects)s.") % {
                "count": len(images),
                "projects": shared_with,
            }
        done += " " + _(
            "The recipients were notified and can accept on their Images Shared with Me tab."
        )
        if result.reshared:
            done += " " + ngettext(
                "%(count)d share rejected before is pending again.",
                "%(count)d shares rejected before are pending again.",
                len(result.reshared),
            ) % {"count": len(result.reshared)}
    already = ""
    if result.already_shared:
        pairs = ", ".join(
            _("%(image)s with %(project)s (%(status)s)")
            % {
                "image": m.image.name,
                "project": m.project.project_id,
                "status": m.get_status_display().lower(),
            }
            for m in result.already_shared
        )
        already = _("Already shared, unchanged: %(pairs)s.") % {"pairs": pairs}
    return done, already


def _add_share_problems(
    request: HtmxHttpRequest, form: ProjectIdsForm, error: ConsoleError
) -> None:
    """Put a refused submission's problems on the form: ID problems under the textarea."""
    if isinstance(error, ShareRefused):
        for problem in error.problems:
            form.add_error("project_ids" if problem.project_id else None, str(problem))
    else:
        refuse(request, error, form)


def _share(
    request: HtmxHttpRequest, form: ProjectIdsForm, images: list[Image]
) -> ShareResult | None:
    """Run the share service for a valid form; refusals go onto the form."""
    try:
        result = services.image_share(
            actor=request.user,
            project=request.project,
            images=images,
            project_ids=form.cleaned_data["project_ids"],
        )
    except ConsoleError as error:
        _add_share_problems(request, form, error)
        return None
    done, already = _share_summary(result)
    if done:
        messages.success(request, done)
    if already:
        (messages.info if done else messages.warning)(request, already)
    return result


def _stop_sharing(
    request: HtmxHttpRequest, form: RecipientSelectionForm, image: Image
) -> list[ImageMember] | None:
    """Run the stop-sharing service for a valid form; refusals go onto the form."""
    try:
        deleted = services.image_members_delete(
            actor=request.user,
            project=request.project,
            image=image,
            project_ids=form.cleaned_data["recipients"],
        )
    except ConsoleError as error:
        refuse(request, error, form)
        return None
    ids = ", ".join(m.project_code for m in deleted)
    messages.success(
        request, _("Stopped sharing %(image)s with %(ids)s.") % {"image": image.name, "ids": ids}
    )
    return deleted


@project_required
@require_http_methods(["GET", "POST"])
def image_share(request: HtmxHttpRequest) -> HttpResponse:
    """Share Image dialog for one image or a selection, with Stop Sharing for one image."""
    data = request.POST if request.method == "POST" else request.GET
    tab = "stop" if data.get("tab") == "stop" else "share"
    selection = ImageSelectionForm(data, project=request.project)
    if selection.is_valid():
        images = list(selection.cleaned_data["image"])
    elif selection.names_foreign_image():
        raise Http404(_("No such image."))
    else:
        images = []
    single = images[0] if len(images) == 1 else None
    members = _recipients(single) if single else []
    share_form = ProjectIdsForm()
    stop_form = RecipientSelectionForm(members=members)
    done_url = reverse("ims:image_detail", args=[single.pk]) if single else None
    if request.method == "POST" and images:
        if tab == "share":
            share_form = ProjectIdsForm(request.POST)
            if share_form.is_valid() and _share(request, share_form, images):
                return dialog_done(
                    request,
                    event="image-shared",
                    fallback_url=done_url or reverse("ims:private_images"),
                )
        elif single:
            stop_form = RecipientSelectionForm(request.POST, members=members)
            if stop_form.is_valid():
                if _stop_sharing(request, stop_form, single) is not None:
                    return dialog_done(request, event="members-deleted", fallback_url=done_url)
            elif stop_form.names_foreign_recipient():
                raise Http404(_("No such recipient."))
    refusals = [(image, image_share_refusal(image, request.project)) for image in images]
    context = {
        "section": "ims",
        "tab": tab,
        "images": images,
        "single": single,
        "refusals": [(image, refusal) for image, refusal in refusals if refusal],
        "encrypted": [image for image in images if image.kms_key_id],
        "members": members,
        # OK waits for an image, and for a recipient to stop sharing with.
        "nothing_to_submit": not images or (tab == "stop" and not members),
        "selection": selection,
        "selection_query": urlencode([("image", image.pk) for image in images]),
        "share_form": share_form,
        "stop_form": stop_form,
    }
    return render_dialog(
        request,
        "ims/image_share_dialog.html",
        context,
        dialog="share-dialog",
        partials=["share-panel"],
    )


# --- Image detail, recipients, deletion ---------------------------------------------------


@project_required
@require_safe
def image_detail(request: HtmxHttpRequest, image_id: object) -> HttpResponse:
    """An own image's attributes, its recipients and, for full-ECS images, its backups."""
    image = _own_image(request, image_id)
    full_ecs = image.image_type == Image.ImageType.FULL_ECS
    tab = "backups" if request.GET.get("tab") == "backups" and full_ecs else "recipients"
    backups = list(image.backups.order_by("device")) if full_ecs else []
    context = {
        "section": "ims",
        "image": image,
        "tab": tab,
        "share_refusal": image_share_refusal(image, request.project),
        "modify_refusal": services.image_modify_refusal(image, request.project),
        "memory": {
            "min": services.memory_label(image.min_ram),
            "max": services.memory_label(image.max_ram),
        }
        if image.image_type in services.MEMORY_IMAGE_TYPES
        else None,
        "members": _recipients(image),
        "backups": backups,
        "backup_total": sum(b.size_gb for b in backups),
        "tags": list(image.tags.order_by("key")),
        "form": ImageTagForm(),
        "max_tags": services.MAX_TAGS_PER_IMAGE,
        "key_rule": services.TAG_KEY_RULE,
        "value_rule": services.TAG_VALUE_RULE,
    }
    return render_page(request, "ims/image_detail.html", context, partials=["image-detail-panel"])


@project_required
@require_http_methods(["GET", "POST"])
def image_member_add(request: HtmxHttpRequest, image_id: object) -> HttpResponse:
    """Add Tenant: share an own image with more projects (the same rules as Share)."""
    image = _own_image(request, image_id)
    form = ProjectIdsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _share(request, form, [image]):
        return dialog_done(
            request, event="image-shared", fallback_url=reverse("ims:image_detail", args=[image.pk])
        )
    context = {
        "section": "ims",
        "image": image,
        "share_refusal": image_share_refusal(image, request.project),
        "form": form,
    }
    return render_dialog(
        request,
        "ims/image_member_add_dialog.html",
        context,
        dialog="member-add-dialog",
        partials=["member-add-panel"],
    )


@project_required
@require_http_methods(["GET", "POST"])
def image_members_delete(request: HtmxHttpRequest, image_id: object) -> HttpResponse:
    """Delete recipients of an own image (one row, or all of them), confirmed with Yes."""
    image = _own_image(request, image_id)
    members = _recipients(image)
    if request.method == "POST":
        form = RecipientSelectionForm(request.POST, members=members)
        if form.is_valid():
            if _stop_sharing(request, form, image) is not None:
                return dialog_done(
                    request,
                    event="members-deleted",
                    fallback_url=reverse("ims:image_detail", args=[image.pk]),
                )
        elif form.names_foreign_recipient():
            raise Http404(_("No such recipient."))
    else:
        # Delete on a row names one recipient; Delete All names none and means everyone.
        query = QueryDict(mutable=True)
        query.setlist(
            "recipients",
            request.GET.getlist("recipients") or [m.project.project_id for m in members],
        )
        form = RecipientSelectionForm(query, members=members)
        if not form.is_valid() and form.names_foreign_recipient():
            raise Http404(_("No such recipient."))
    chosen = set(form.cleaned_data.get("recipients", [])) if form.is_bound else set()
    context = {
        "section": "ims",
        "image": image,
        "form": form,
        "members": members,
        "nothing_to_submit": not members,
        "chosen": chosen,
    }
    return render_dialog(
        request,
        "ims/image_members_delete_dialog.html",
        context,
        dialog="members-delete-dialog",
        partials=["members-delete-panel"],
    )
