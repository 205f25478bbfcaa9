"""Images Shared with Me: the recipient's tab, its banner, dialogs and actions."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib import messages
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from console.decorators import project_required
from console.errors import ConsoleError, RoleRefused
from console.htmx import (
    HtmxHttpRequest,
    dialog_done,
    paginate,
    refuse,
    render_dialog,
    render_page,
)
from console.models import Project
from ims.forms import MemberSelectionForm, SharedListFilterForm
from ims.models import Image, ImageMember
from ims.services import full_ecs_required_gb, shares_accept, shares_reject
from vaults.models import Vault
from vaults.services import vault_refusal

SHARED_PARTIALS = ["banner", "shared-list", "accepted-images", "rejected-images"]


def tab_context(
    request: HtmxHttpRequest, tab: str, *, pending_count: int | None = None
) -> dict[str, object]:
    """Context every image tab needs: the active tab and the pending count for the red dot."""
    if pending_count is None:
        pending_count = ImageMember.objects.for_project(request.project).pending().count()
    return {"section": "ims", "tab": tab, "pending_count": pending_count}


def _list_params(request: HtmxHttpRequest) -> QueryDict:
    """Query of the list being shown: the request's, or for an htmx action the page's URL."""
    if request.method == "GET":
        return request.GET
    current = request.htmx.current_url if request.htmx else None
    query = QueryDict(mutable=True)
    if current:
        for key, values in parse_qs(urlsplit(current).query).items():
            query.setlist(key, values)
    return query


def _shared_context(request: HtmxHttpRequest) -> dict[str, object]:
    """Everything the Images Shared with Me page shows, in a constant number of queries."""
    project: Project = request.project
    params = SharedListFilterForm(_list_params(request))
    filters = params.cleaned_data if params.is_valid() else {}
    view = filters.get("view") or "accepted"
    pending_members = (
        ImageMember.objects.for_project(project)
        .pending()
        .with_image()
        .with_backup_total()
        .order_by("-created", "-pk")
    )
    tags = params.tag_filter("image__")
    filtered = bool(filters.get("q") or filters.get("type") or tags)
    # Paging through the banner renders the banner alone: the list is neither read nor counted.
    banner_only = request.method == "GET" and request.htmx and request.htmx.target == "banner"
    counts = _state_counts(project, view=view, filtered=filtered, banner_only=banner_only)
    # The banner pages too: a project may have thousands of shares waiting.
    pending = paginate(pending_members, filters.get("pending_page"), counts["pending"])
    query = {
        k: v for k, v in filters.items() if v and k in ("q", "type", "view", "tag_key", "tag_value")
    }
    context = tab_context(request, "shared", pending_count=counts["pending"]) | {
        "pending": pending,
        "view": view,
        "filter_form": params,
        "query_prefix": urlencode(query) + "&" if query else "",
    }
    if banner_only:
        return context
    members = ImageMember.objects.for_project(project).with_image()
    members = members.rejected() if view == "rejected" else members.accepted()
    members = members.filter(**tags).prefetch_related("image__tags")
    if filters.get("q"):
        members = members.filter(image__name__icontains=filters["q"])
    if filters.get("type"):
        members = members.filter(image__image_type=filters["type"])
    members = members.with_key_access(project.tenant_id).order_by("-updated", "-pk")
    page = paginate(members, filters.get("page"), None if filtered else counts[view])
    return context | {
        "page": page,
        "rejected_count": counts[ImageMember.Status.REJECTED],
    }


def _state_counts(
    project: Project, *, view: str, filtered: bool, banner_only: bool
) -> dict[str, int]:
    """How many shares of the project are in each state the response shows, in one query.

    The banner alone shows the waiting ones; the rejected view and a search add the
    rejected ones (their link and pages). Only the unfiltered accepted list counts all
    three, in one pass; otherwise the index is read for the states asked only. Only the
    states counted are keys.
    """
    needed = {ImageMember.Status.PENDING}
    if not banner_only:
        needed.add(ImageMember.Status.REJECTED)
        if view != "rejected" and not filtered:
            needed.add(ImageMember.Status.ACCEPTED)
    shares = ImageMember.objects.for_project(project)
    if len(needed) < len(ImageMember.Status.values):
        shares = shares.filter(status__in=needed)
    return shares.aggregate(**{status: Count("pk", filter=Q(status=status)) for status in needed})


@project_required
@require_safe
def shared_images(request: HtmxHttpRequest) -> HttpResponse:
    """Images Shared with Me: the pending banner and the accepted (or rejected) list."""
    context = _shared_context(request)
    reopen = request.GET.get("accept")
    if reopen and not request.htmx:
        # Back from Create Vault: reopen the Accept Full-ECS Image dialog for the same choice.
        selection = MemberSelectionForm(
            {"all": reopen == "all", "members": [] if reopen == "all" else reopen.split(",")}
        )
        if selection.is_valid():
            members = _chosen(request.project, selection)
            full_ecs = _full_ecs_to_accept(request.project, members)
            if full_ecs:
                dialog = _accept_dialog_context(request, selection, members, full_ecs)
                context |= dialog | {"show_accept_dialog": True}
    return render_page(request, "ims/shared_images.html", context, partials=SHARED_PARTIALS)


def _selected_members(project: Project, selection: MemberSelectionForm) -> list[ImageMember]:
    """The project's members the selection names; any other ID is a 404 (D13).

    Not for Accept All (see `_full_ecs_to_accept`): a project may have thousands waiting.
    """
    data = selection.cleaned_data
    queryset = ImageMember.objects.for_project(project).with_image()
    ids = set(data["members"])
    # An ID beyond the key's range names no share; SQLite would fail on it instead (a 500).
    low, high = connection.ops.integer_field_range(ImageMember._meta.pk.get_internal_type())
    if any(not low <= pk <= high for pk in ids):
        raise Http404(_("No such shared image."))
    members = list(queryset.filter(pk__in=ids).order_by("-created", "-pk"))
    if len(members) != len(ids):
        raise Http404(_("No such shared image."))
    return members


def _accept_dialog_context(
    request: HtmxHttpRequest,
    selection: MemberSelectionForm,
    members: list[ImageMember] | None,
    full_ecs: list[ImageMember],
    *,
    error: ConsoleError | None = None,
    chosen: Vault | None = None,
) -> dict[str, object]:
    """The Accept Full-ECS Image dialog: required capacity and every vault with its verdict.

    For Accept All (`members` None) it names the full-ECS images and counts the others;
    `full_ecs` is what `_full_ecs_to_accept` found.
    """
    required = full_ecs_required_gb(full_ecs)
    vaults = list(Vault.objects.for_project(request.project).with_usage().order_by("name"))
    choices = [{"vault": v, "refusal": vault_refusal(v, required_gb=required)} for v in vaults]
    data = selection.cleaned_data
    if members is None:
        reopen = "all"
        waiting = ImageMember.objects.for_project(request.project).pending().count()
    else:
        reopen, waiting = ",".join(str(m.pk) for m in members), len(members)
    back = f"{reverse('ims:shared_images')}?{urlencode({'accept': reopen})}"
    return {
        "members": full_ecs if members is None else members,
        "waiting_count": waiting,
        "full_ecs": full_ecs,
        "required_gb": required,
        "vault_choices": choices,
        "accept_all": bool(data.get("all")),
        "error": error,
        "chosen": chosen,
        "create_vault_url": f"{reverse('vaults:vault_create')}?{urlencode({'next': back})}",
    }


def _chosen(project: Project, selection: MemberSelectionForm) -> list[ImageMember] | None:
    """The selected members, or None for every pending one (Accept All)."""
    return None if selection.cleaned_data.get("all") else _selected_members(project, selection)


def _full_ecs_to_accept(project: Project, members: list[ImageMember] | None) -> list[ImageMember]:
    """The full-ECS images among the members that accepting would store in a vault.

    For every pending share (`members` None), one query reads only those.
    """
    if members is None:
        pending = ImageMember.objects.for_project(project).pending().with_image()
        full_ecs = pending.filter(image__image_type=Image.ImageType.FULL_ECS)
        return list(full_ecs.order_by("-created", "-pk"))
    return [
        m
        for m in members
        if m.image.image_type == Image.ImageType.FULL_ECS
        and m.status != ImageMember.Status.ACCEPTED
    ]


def _accept_dialog(request: HtmxHttpRequest, context: dict[str, object]) -> HttpResponse:
    return render_dialog(
        request,
        "ims/accept_full_ecs_dialog.html",
        context | {"section": "ims"},
        dialog="accept-dialog",
    )


def _refreshed(request: HtmxHttpRequest) -> HttpResponse:
    """After an action: the tabs, banner and list swapped out of band, dialogs closed."""
    return dialog_done(
        request,
        fallback_url=_back_url(request),
        refresh="ims/shared_images.html#refresh",
        context=_shared_context(request) if request.htmx else None,
    )


def _back_url(request: HtmxHttpRequest) -> str:
    params = _list_params(request) if request.htmx else request.POST
    query = {k: params.get(k) for k in ("q", "type", "view") if params.get(k)}
    return reverse("ims:shared_images") + (f"?{urlencode(query)}" if query else "")


def _refuse(request: HtmxHttpRequest, error: ConsoleError) -> HttpResponse:
    """A refused action: nothing changed; say why."""
    refuse(request, error)
    return _refreshed(request)


@project_required
@require_http_methods(["GET", "POST"])
def share_accept(request: HtmxHttpRequest) -> HttpResponse:
    """Accept the selected (or all pending) shares; full-ECS images go through the dialog."""
    selection = MemberSelectionForm(request.POST if request.method == "POST" else request.GET)
    if not selection.is_valid():
        if request.method == "GET":
            return redirect("ims:shared_images")
        messages.error(request, " ".join(selection.non_field_errors()) or _("Invalid selection."))
        return _refreshed(request)
    members = _chosen(request.project, selection)
    vault_id = selection.cleaned_data.get("vault")
    vault = None
    if vault_id:
        vault = get_object_or_404(Vault.objects.for_project(request.project), vault_id=vault_id)
    from_dialog = bool(request.POST.get("from_dialog"))
    # Read once: the dialog and a refusal below show them too.
    full_ecs = _full_ecs_to_accept(request.project, members)
    if request.method == "GET" or (full_ecs and vault is None and not from_dialog):
        context = _accept_dialog_context(request, selection, members, full_ecs)
        return _accept_dialog(request, context)
    ids = None if members is None else [m.pk for m in members]
    try:
        answer = shares_accept(
            actor=request.user, project=request.project, member_ids=ids, vault=vault
        )
    except ConsoleError as error:
        if full_ecs and not isinstance(error, RoleRefused):
            context = _accept_dialog_context(
                request, selection, members, full_ecs, error=error, chosen=vault
            )
            return _accept_dialog(request, context)
        return _refuse(request, error)
    if answer.changed:
        count = len(answer.changed)
        done = ngettext("%(count)d image accepted.", "%(count)d images accepted.", count) % {
            "count": count
        }
        if vault and any(m.vault for m in answer.changed):
            done += " " + _("Backups stored in %(vault)s.") % {"vault": vault.name}
        messages.success(request, done)
    else:
        messages.info(request, _("The selected images were already accepted."))
    return _refreshed(request)


@project_required
@require_http_methods(["GET", "POST"])
def share_reject(request: HtmxHttpRequest) -> HttpResponse:
    """Reject the selected shares; GET shows the confirmation for one accepted image."""
    selection = MemberSelectionForm(request.POST if request.method == "POST" else request.GET)
    if not selection.is_valid() or selection.cleaned_data.get("all"):
        if request.method == "GET":
            return redirect("ims:shared_images")
        messages.error(request, _("Select at least one image."))
        return _refreshed(request)
    members = _selected_members(request.project, selection)
    if request.method == "GET":
        context = {"members": members, "section": "ims"}
        return render_dialog(request, "ims/reject_dialog.html", context, dialog="reject-dialog")
    try:
        answer = shares_reject(
            actor=request.user, project=request.project, member_ids=[m.pk for m in members]
        )
    except ConsoleError as error:
        return _refuse(request, error)
    if answer.changed:
        count = len(answer.changed)
        messages.success(
            request,
            ngettext("%(count)d image rejected.", "%(count)d images rejected.", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("The selected images were already rejected."))
    return _refreshed(request)
