"""The IMS API instance and the lookups its routes share."""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef

from console.iam.api_common import ApiError, make_api
from console.iam.auth import ApiCaller, ProjectScoped
from console.iam.schemas import Error
from ims.models import Image, ImageMember

api = make_api(
    title="Image Management Service (Glance v2 and IMS)",
    version="2.17",
    namespace="ims_api",
    default_code="IMG.0001",
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


def visible_image(caller: ApiCaller, image_id: str, *, lock: bool = False) -> Image:
    """An image the caller may see: public in its region, its own, or shared with it in
    any member status (as Glance lets a member read it); anything else is 404."""
    pk = parse_uuid(image_id)
    project = caller.project
    image = None
    if pk is not None:
        image = (
            Image.objects.visible_to(project)
            .annotate(has_members=Exists(ImageMember.objects.filter(image=OuterRef("pk"))))
            .select_related("owner", "kms_key")
            .filter(pk=pk)
            .first()
        )
    if image is None:
        raise ApiError(404, "IMG.0027", f"No image with ID {image_id[:64]} is visible to you.")
    return image


def owned_image(caller: ApiCaller, image_id: str) -> Image:
    """An image the caller owns; a visible image of someone else is 403 (owner only)."""
    image = visible_image(caller, image_id)
    if image.owner_id is None:
        raise ApiError(403, "IMG.0089", "The public image cannot be shared.")
    if image.owner_id != caller.project.pk:
        raise ApiError(403, "IMG.0047", "This operation can be performed only by the image owner.")
    return image
