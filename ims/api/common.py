"""The IMS API instance and the lookups its routes share."""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.api import Endpoint, endpoint_register, make_api
from console.errors import ImsError, NotFound
from console.iam.auth import ApiCaller, ProjectScoped
from console.iam.schemas import Error
from ims.models import Image, ImageMember

# Also served at the host root (/v1, /v2: ims/api/middleware.py) for the Huawei Cloud SDK.
ENDPOINT = endpoint_register(
    Endpoint(
        prefix="/api/ims",
        service_type="image",
        name="ims",
        default_code="IMG.0001",
        host_root=("/v1/", "/v2/"),
    )
)
api = make_api(
    title="Image Management Service (Glance v2 and IMS)",
    version="2.17",
    endpoint=ENDPOINT,
    description="Image sharing of the IMS console replica, for glanceclient, openstacksdk, "
    "the openstack CLI and the Huawei Cloud SDK. Authenticate with X-Auth-Token "
    "(POST /api/iam/v3/auth/tokens) or an SDK-HMAC-SHA256 signature.",
    auth=ProjectScoped(),
)
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}


def parse_uuid(value: str) -> uuid.UUID | None:
    """The UUID in `value`, or None (a non-UUID image ID is a missing image)."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


def not_visible(image_id: str):
    """What a refusal adds about an image the caller cannot see."""
    return format_lazy(_("No image with ID {id} is visible to you."), id=image_id[:64])


def not_a_member(member_id: str):
    """What a refusal adds about a member the caller cannot see."""
    return format_lazy(_("Project {id} is not a member you can see."), id=member_id[:64])


def visible_image(caller: ApiCaller, image_id: str, *, lock: bool = False) -> Image:
    """An image the caller may see: public in its region, its own, shared with it in any
    member status (as Glance lets a member read it) or a community image of its region;
    anything else is 404."""
    pk = parse_uuid(image_id)
    project = caller.project
    image = None
    if pk is not None:
        image = (
            Image.objects.filter(
                Q(pk__in=Image.objects.visible_to(project).filter(pk=pk).values("pk"))
                | Q(pk=pk, visibility=Image.Visibility.COMMUNITY, region=project.region_id)
            )
            .annotate(has_members=Exists(ImageMember.objects.filter(image=OuterRef("pk"))))
            .select_related("owner", "kms_key")
            .first()
        )
    if image is None:
        raise NotFound("IMG.0027", not_visible(image_id))
    return image


def owned_image(caller: ApiCaller, image_id: str) -> Image:
    """An image the caller owns; a visible image of someone else is 403 (owner only)."""
    image = visible_image(caller, image_id)
    if image.owner_id is None:
        raise ImsError("IMG.0089")
    if image.owner_id != caller.project.pk:
        raise ImsError("IMG.0047")
    return image
