"""Glance v2 routes: images, image members and the schemas glanceclient validates with."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from console.api import no_content
from console.errors import ImsError, NotFound
from console.iam.schemas import Error
from console.ids import HEX32_RE, Hex32Text, UuidText
from ims.api import docs, filters
from ims.api.common import ERRORS, not_a_member, owned_image, parse_uuid, visible_image
from ims.api.schemas import ImageList, Member, MemberCreate, MemberList, MemberUpdate
from ims.models import Image, ImageMember
from ims.services import image_members_delete, image_share, shares_accept, shares_reject
from vaults.models import Vault

router = Router(tags=["Glance v2"])


class ImageFilters(Schema):
    """The list's parameters, as documented; `ims.api.filters` reads them (and any other
    key, a custom property) from the query itself, as Glance does."""

    visibility: str | None = Field(None, description="public, private, shared, community, all")
    member_status: str | None = Field(
        None, description="accepted (default), pending, rejected, all"
    )
    name: str | None = Field(None, description='A name, or "in:a,b"')
    id: str | None = Field(None, description='An image ID, or "in:id1,id2"')
    owner: Hex32Text | None = None
    status: str | None = Field(None, description='A status, or "in:queued,active"')
    container_format: str | None = None
    disk_format: str | None = None
    checksum: str | None = None
    os_hidden: str | None = Field(None, description="true or false (default: hidden are left out)")
    protected: str | None = Field(None, description="true or false")
    size_min: str | None = Field(None, description="Bytes")
    size_max: str | None = Field(None, description="Bytes")
    tag: list[str] | None = Field(None, description="Repeat for images with every tag")
    created_at: str | None = Field(
        None, description='"gte:2026-12-01T00:00:00Z" (gt, gte, lt, lte, eq, neq)'
    )
    updated_at: str | None = Field(None, description="As created_at")
    sort: str | None = Field(None, description='"name:asc,created_at:desc"')
    sort_key: str | None = None
    sort_dir: str | None = None
    limit: str | None = Field(None, description="At most 1000; a larger limit is capped")
    marker: UuidText | None = Field(None, description="The last image of the previous page")


def image_page(request: HttpRequest, *, path: str, default_limit: int = 25) -> dict:
    """One page of the caller's image list: Glance's listing rules, filters and paging.

    Constant queries: the marker, the page, its tags.
    """
    project = request.auth.project
    query = filters.list_query(request.GET, project, default_limit=default_limit)
    base = filters.with_sort_columns(
        docs.images_for(project, member_status=query.member_status, community=True)
    )
    images = base
    if query.visibility == "all":
        pass
    elif query.visibility:
        images = images.filter(docs.visibility_filter(project, query.visibility))
    else:
        # Glance lists other projects' community images only when asked for.
        images = images.filter(~Q(visibility=Image.Visibility.COMMUNITY) | Q(owner=project))
    images = images.filter(query.condition)
    if query.marker is not None:
        marker = base.filter(pk=pk).first() if (pk := parse_uuid(query.marker)) else None
        if marker is None:
            raise ImsError(
                "IMG.0001", format_lazy(_("marker [{v}] not found"), v=query.marker[:64])
            )
        images = images.filter(_after(marker, query.order))
    order = [f"-{column}" if desc else column for column, desc in query.order]
    rows = list(images.order_by(*order)[: query.limit + 1]) if query.limit else []
    page, more = rows[: query.limit], len(rows) > query.limit
    params = [(k, v) for k, values in request.GET.lists() for v in values if k != "marker"]
    body = {
        "images": [docs.image_doc(image, project) for image in page],
        "first": f"{path}?{urlencode(params)}" if params else path,
        "schema": "/v2/schemas/images",
    }
    if more:
        body["next"] = f"{path}?{urlencode([*params, ('marker', str(page[-1].pk))])}"
    return body


def _after(marker: Image, order: list[tuple[str, bool]]) -> Q:
    """The rows after `marker` in `order`: (k1 > m1) or (k1 = m1 and k2 > m2) or ..."""
    after = Q(pk__in=[])
    equal = Q()
    for column, desc in order:
        value = getattr(marker, column)
        after |= equal & Q(**{f"{column}__{'lt' if desc else 'gt'}": value})
        equal &= Q(**{column: value})
    return after


@router.get("/v2/images", response={200: ImageList, **ERRORS}, by_alias=True, exclude_unset=True)
def image_list(request: HttpRequest, params: Query[ImageFilters]):
    """List images: public, own, and shares in `member_status` (default accepted)."""
    return image_page(request, path="/v2/images")


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


@router.get("/v2/info/import", response={200: dict, **ERRORS}, tags=["Discovery"])
def info_import(request: HttpRequest):
    """The image import methods of this cloud: none, images take their data by upload."""
    methods = {"description": "Import methods available.", "type": "array", "value": []}
    return {"import-methods": methods}


@router.get("/v2/info/stores", response={404: Error, **ERRORS}, tags=["Discovery"])
def info_stores(request: HttpRequest):
    """Glance's store list exists with several stores; this cloud has one image store."""
    raise Http404(_("Multi backend is not supported at this site."))


@router.get("/v2/schemas/{name}", response={200: dict, **ERRORS})
def schema(request: HttpRequest, name: Literal["image", "images", "member", "members"]):
    """The JSON schemas glanceclient validates members with."""
    return SCHEMAS[name]
