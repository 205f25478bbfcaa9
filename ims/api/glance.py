"""Glance v2 routes: images, image members and the schemas glanceclient validates with."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from console.api import no_content
from console.errors import ImsError, NotFound
from console.ids import HEX32_RE, Hex32Text, UuidText
from ims.api import docs
from ims.api.common import ERRORS, not_a_member, owned_image, parse_uuid, visible_image
from ims.api.schemas import ImageList, Member, MemberCreate, MemberList, MemberUpdate
from ims.models import Image, ImageMember
from ims.services import image_members_delete, image_share, shares_accept, shares_reject
from vaults.models import Vault

router = Router(tags=["Glance v2"])

SORT_KEYS = {
    "created_at": "created",
    "updated_at": "created",
    "name": "name",
    "status": "status",
    "id": "pk",
    "min_disk": "min_disk_gb",
    "size": "size_gb",
}
MEMBER_STATUSES = {"pending", "accepted", "rejected", "all"}
VISIBILITIES = {"public", "private", "shared", "community", "all"}


class ImageFilters(Schema):
    """Filters and paging of the image lists."""

    visibility: str | None = Field(None, max_length=16)
    member_status: str | None = Field(None, max_length=16)
    name: str | None = Field(None, max_length=255)
    owner: Hex32Text | None = Field(None, max_length=64)
    status: str | None = Field(None, max_length=16)
    limit: int = Field(25, ge=1, le=1000)
    marker: UuidText | None = Field(None, max_length=64)
    sort_key: str = Field("created_at", max_length=32)
    sort_dir: Literal["asc", "desc"] = "desc"


def image_page(request: HttpRequest, filters, *, path: str, extra: Q | None = None) -> dict:
    """One page of the caller's image list, Glance's listing rules, keyset paging."""
    project = request.auth.project
    member_status = filters.member_status or "accepted"
    if member_status not in MEMBER_STATUSES:
        raise ImsError("IMG.0001", format_lazy(_("Invalid status: {v}"), v=member_status[:32]))
    if filters.visibility and filters.visibility not in VISIBILITIES:
        raise ImsError(
            "IMG.0001", format_lazy(_("Invalid visibility value: {v}"), v=filters.visibility[:32])
        )
    if filters.sort_key not in SORT_KEYS:
        raise ImsError("IMG.0001", format_lazy(_("Invalid sort key: {v}"), v=filters.sort_key[:32]))
    images = docs.images_for(project, member_status=member_status)
    if filters.visibility and filters.visibility != "all":
        images = images.filter(docs.visibility_filter(project, filters.visibility))
    if filters.name is not None:
        images = images.filter(name=filters.name)
    if filters.owner is not None:
        images = images.filter(owner__project_id=filters.owner)
    if filters.status is not None:
        images = images.filter(status=filters.status)
    if extra is not None:
        images = images.filter(extra)
    key = SORT_KEYS[filters.sort_key]
    desc = filters.sort_dir == "desc"
    if filters.marker is not None:
        marker = (
            images.filter(pk=parse_uuid(filters.marker)).first()
            if parse_uuid(filters.marker)
            else None
        )
        if marker is None:
            raise ImsError("IMG.0001", format_lazy(_("marker [{v}] not found"), v=filters.marker))
        value = getattr(marker, key)
        op = "lt" if desc else "gt"
        images = images.filter(
            Q(**{f"{key}__{op}": value}) | Q(**{key: value, f"pk__{op}": marker.pk})
        )
    order = [f"-{key}", "-pk"] if desc else [key, "pk"]
    rows = list(images.order_by(*order)[: filters.limit + 1])
    page, more = rows[: filters.limit], len(rows) > filters.limit
    query = {k: v for k, v in request.GET.items() if k != "marker"}
    body = {
        "images": [docs.image_doc(image, project) for image in page],
        "first": f"{path}?{urlencode(query)}" if query else path,
        "schema": "/v2/schemas/images",
    }
    if more:
        body["next"] = f"{path}?{urlencode({**query, 'marker': str(page[-1].pk)})}"
    return body


@router.get("/v2/images", response={200: ImageList, **ERRORS}, by_alias=True, exclude_unset=True)
def image_list(request: HttpRequest, filters: Query[ImageFilters]):
    """List images: public, own, and shares in `member_status` (default accepted)."""
    return image_page(request, filters, path="/v2/images")


@router.get("/v2/images/{image_id}", response={200: dict, **ERRORS})
def image_detail(request: HttpRequest, image_id: UuidText):
    """One image; a member may read a shared image whatever its member status."""
    return docs.image_doc(visible_image(request.auth, image_id), request.auth.project)


def _member(image: Image, member_id: str) -> ImageMember:
    member = (
        ImageMember.objects.select_related("project")
        .filter(image=image, project__project_id=member_id)
        .first()
    )
    if member is None:
        raise NotFound(
            "IMG.0108",
            format_lazy(
                _("Project {project} is not a member of image {image}."),
                project=member_id[:64],
                image=image.pk,
            ),
        )
    return member


def _reload(member: ImageMember) -> ImageMember:
    return ImageMember.objects.select_related("project").get(pk=member.pk)


@router.post("/v2/images/{image_id}/members", response={200: Member, **ERRORS}, by_alias=True)
def member_create(request: HttpRequest, image_id: UuidText, body: MemberCreate):
    """Share the image with a project (owner only); the member starts pending."""
    caller = request.auth
    image = owned_image(caller, image_id)
    pid = body.member.strip().lower()
    existing = (
        ImageMember.objects.filter(image=image, project__project_id=pid).first()
        if HEX32_RE.match(pid)
        else None
    )
    if existing is not None and existing.status != ImageMember.Status.REJECTED:
        raise ImsError(
            "IMG.0112",
            format_lazy(
                _("Project {project} is already a member of image {image} ({status})."),
                project=pid,
                image=image.name,
                status=existing.get_status_display(),
            ),
        )
    result = image_share(
        actor=caller.user, project=caller.project, images=[image], project_ids=[pid]
    )
    return docs.member_doc(_reload(result.added[0]))


@router.get("/v2/images/{image_id}/members", response={200: MemberList, **ERRORS}, by_alias=True)
def member_list(request: HttpRequest, image_id: UuidText):
    """The owner sees every member; a member only its own row."""
    caller = request.auth
    image = visible_image(caller, image_id)
    members = ImageMember.objects.select_related("project").filter(image=image)
    if image.owner_id != caller.project.pk:
        members = members.filter(project=caller.project)
    return {
        "members": [docs.member_doc(m) for m in members.order_by("created", "pk")],
        "schema": "/v2/schemas/members",
    }


@router.get(
    "/v2/images/{image_id}/members/{member_id}",
    response={200: Member, **ERRORS},
    by_alias=True,
)
def member_detail(request: HttpRequest, image_id: UuidText, member_id: Hex32Text):
    """One member, for the owner or the member named in the URL."""
    caller = request.auth
    image = visible_image(caller, image_id)
    if image.owner_id != caller.project.pk and member_id != caller.project.project_id:
        raise NotFound("IMG.0108", not_a_member(member_id))
    return docs.member_doc(_member(image, member_id))


def answer_share(caller, member: ImageMember, status: str, vault_id: str | None) -> None:
    """Accept or reject a share through the console's services."""
    project = caller.project
    if status == ImageMember.Status.ACCEPTED:
        vault = None
        if vault_id:
            vault = Vault.objects.for_project(project).filter(vault_id=parse_uuid(vault_id)).first()
            if vault is None:
                # Another tenant's vault is as absent as a made-up one (D13).
                raise NotFound(
                    "IMG.0184",
                    format_lazy(_("Vault {id} was not found in this project."), id=vault_id[:64]),
                )
        shares_accept(actor=caller.user, project=project, member_ids=[member.pk], vault=vault)
    elif status == ImageMember.Status.REJECTED:
        shares_reject(actor=caller.user, project=project, member_ids=[member.pk])
    else:
        raise ImsError(
            "IMG.0001",
            _(
                'Status must be "accepted" or "rejected": a share becomes pending again only '
                "when the owner shares it again."
            ),
        )


@router.put(
    "/v2/images/{image_id}/members/{member_id}",
    response={200: Member, **ERRORS},
    by_alias=True,
)
def member_update(
    request: HttpRequest, image_id: UuidText, member_id: Hex32Text, body: MemberUpdate
):
    """Accept or reject (the member named in the URL only; `vault_id` for full-ECS)."""
    caller = request.auth
    image = visible_image(caller, image_id)
    if image.owner_id == caller.project.pk:
        raise ImsError("IMG.0026", _("Only the recipient can accept or reject a share."))
    if member_id != caller.project.project_id:
        raise NotFound("IMG.0108", not_a_member(member_id))
    member = _member(image, member_id)
    answer_share(caller, member, body.status, body.vault_id)
    return docs.member_doc(_reload(member))


@router.delete("/v2/images/{image_id}/members/{member_id}", response={204: None, **ERRORS})
def member_delete(request: HttpRequest, image_id: UuidText, member_id: Hex32Text):
    """Stop sharing the image with a project (owner only)."""
    caller = request.auth
    image = owned_image(caller, image_id)
    _member(image, member_id)
    image_members_delete(
        actor=caller.user, project=caller.project, image=image, project_ids=[member_id]
    )
    return no_content()


SCHEMAS = {
    "image": docs.IMAGE_SCHEMA,
    "images": docs.IMAGES_SCHEMA,
    "member": docs.MEMBER_SCHEMA,
    "members": docs.MEMBERS_SCHEMA,
}


@router.get("/v2/schemas/{name}", response={200: dict, **ERRORS})
def schema(request: HttpRequest, name: Literal["image", "images", "member", "members"]):
    """The JSON schemas glanceclient validates members with."""
    return SCHEMAS[name]
