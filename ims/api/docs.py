"""Images and members as the Glance and IMS APIs show them."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from console.models import Project
from ims.models import Image, ImageMember

GB = 1024**3
VIRTUAL_ENV = {
    Image.ImageType.SYSTEM: "FusionCompute",
    Image.ImageType.FULL_ECS: "FusionCompute",
    Image.ImageType.DATA: "DataImage",
    Image.ImageType.ISO: "IsoImage",
}


# IMS's image type (`__imagetype`) for each visibility an image shows.
IMAGETYPES = {"public": "gold", "community": "private", "private": "private", "shared": "shared"}
# IMS's platforms (`__platform`), each named at the start of the OS versions it covers.
PLATFORMS = (
    "Windows",
    "Ubuntu",
    "Red Hat",
    "SUSE",
    "CentOS",
    "Debian",
    "OpenSUSE",
    "Oracle Linux",
    "Fedora",
    "CoreOS",
    "EulerOS",
)
OTHER_PLATFORM = "Other"
_BITS_32 = re.compile(r"32\s?bit", re.IGNORECASE)


def platform_of(os_version: str) -> str:
    """The platform an OS version belongs to (IMS's `__platform`)."""
    lowered = (os_version or "").lower()
    return next((p for p in PLATFORMS if lowered.startswith(p.lower())), OTHER_PLATFORM)


def platform_filter(platform: str) -> Q:
    """The images `platform_of` puts on `platform`."""
    if platform == OTHER_PLATFORM:
        return ~Q(*[Q(os__istartswith=p) for p in PLATFORMS], _connector=Q.OR)
    if platform not in PLATFORMS:
        return Q(pk__in=[])
    return Q(os__istartswith=platform)


def os_bit_of(os_version: str) -> str:
    """32 or 64, as the OS version says (IMS's `__os_bit`); 64 unless it says 32 bit."""
    return "32" if _BITS_32.search(os_version or "") else "64"


def os_bit_filter(bits: str) -> Q:
    """The images `os_bit_of` gives `bits`."""
    thirty_two = Q(os__icontains="32bit") | Q(os__icontains="32 bit")
    return {"32": thirty_two, "64": ~thirty_two}.get(bits, Q(pk__in=[]))


def isotime(value) -> str:
    """Glance's timestamp format: YYYY-MM-DDTHH:MM:SSZ."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def member_doc(member: ImageMember) -> dict[str, Any]:
    """A member in Glance's six keys; `member_id` is the recipient's project ID."""
    return {
        "created_at": isotime(member.created),
        "image_id": str(member.image_id),
        "member_id": member.project.project_id,
        "schema": "/v2/schemas/member",
        "status": member.status,
        "updated_at": isotime(member.updated),
    }


def images_for(
    project: Project, *, member_status: str = "accepted", community: bool = False
) -> QuerySet[Image]:
    """What a project may list: public images of its region, its own, and shares to it.

    Shares count only in `member_status` ("all" for any); other projects' community images
    only when asked for (`community`), as Glance lists them. `has_members` and `shared_here`
    are annotated for the visibility filters.
    """
    received = ImageMember.objects.filter(image=OuterRef("pk"), project=project)
    if member_status != "all":
        received = received.filter(status=member_status)
    seen = Q(owner__isnull=True, region=project.region_id) | Q(owner=project) | Q(shared_here=True)
    if community:
        seen |= Q(visibility=Image.Visibility.COMMUNITY, region=project.region_id)
    return (
        Image.objects.annotate(
            has_members=Exists(ImageMember.objects.filter(image=OuterRef("pk"))),
            shared_here=Exists(received),
        )
        .filter(seen)
        .select_related("owner", "kms_key")
        .prefetch_related("tags")
    )


def glance_tags(image: Image) -> list[str]:
    """The owner's tags as IMS shows them in Glance's `tags`: "key.value" (or "key")."""
    return [f"{tag.key}.{tag.value}" if tag.value else tag.key for tag in image.tags.all()]


def visibility_filter(project: Project, visibility: str) -> Q:
    """Glance's visibility: as stored for images made through the API; for the console's,
    public (the platform's), private (own, not shared) or shared (own shared, or received)."""
    derived = Q(visibility=Image.Visibility.DERIVED)
    if visibility == "public":
        return Q(owner__isnull=True) | Q(visibility=visibility)
    if visibility == "private":
        return Q(owner=project) & (Q(visibility=visibility) | derived & Q(has_members=False))
    if visibility == "shared":
        return Q(owner=project) & (Q(visibility=visibility) | derived & Q(has_members=True)) | Q(
            shared_here=True
        ) & ~Q(visibility=Image.Visibility.COMMUNITY)
    if visibility == "community":
        return Q(visibility=visibility)
    return Q()


def visibility_of(image: Image, project: Project) -> str:
    """The image's visibility seen from `project`."""
    if image.visibility:
        return image.visibility
    if image.owner_id is None:
        return "public"
    if image.owner_id == project.pk and not getattr(image, "has_members", False):
        return "private"
    return "shared"


def image_size(image: Image) -> int | None:
    """Glance's `size` in bytes: the stored file's, else what the image occupies; None
    while an image made through the API waits for its file."""
    if image.file_name:
        return image.file_size
    if image.status == Image.Status.QUEUED or image.status == Image.Status.SAVING:
        return None
    return int(image.size_gb * GB)


def image_doc(image: Image, project: Project) -> dict[str, Any]:
    """An image with Glance's keys, its custom properties and the IMS attributes
    (`__imagetype`, `__os_type`, ...)."""
    visibility = visibility_of(image, project)
    doc: dict[str, Any] = {
        **(image.properties or {}),
        "id": str(image.pk),
        "name": image.name or None,
        "status": image.status,
        "visibility": visibility,
        "owner": image.owner.project_id if image.owner_id else None,
        "protected": image.owner_id is None or image.protected,
        "min_disk": image.min_disk_gb,
        "min_ram": image.min_ram,
        "size": image_size(image),
        "virtual_size": None,
        "disk_format": image.disk_format or None,
        "container_format": image.container_format or None,
        "checksum": image.checksum or None,
        "os_hash_algo": "sha512" if image.os_hash_value else None,
        "os_hash_value": image.os_hash_value or None,
        "os_hidden": image.os_hidden,
        "tags": glance_tags(image),
        "created_at": isotime(image.created),
        "updated_at": isotime(image.updated or image.created),
        "self": f"/v2/images/{image.pk}",
        "file": f"/v2/images/{image.pk}/file",
        "schema": "/v2/schemas/image",
        "__imagetype": IMAGETYPES[visibility],
        "__isregistered": "true",
        "__os_type": image.os_type,
        "__os_version": image.os,
        "__os_bit": os_bit_of(image.os),
        "__platform": platform_of(image.os),
        "__image_source_type": "uds",
        "__whole_image": "true" if image.image_type == Image.ImageType.FULL_ECS else "false",
        "__system__cmkid": str(image.kms_key.key_id) if image.kms_key_id else None,
        "__description": image.description,
        "virtual_env_type": VIRTUAL_ENV[image.image_type],
    }
    if image.image_type == Image.ImageType.FULL_ECS:
        doc["__backup_id"] = str(image.pk)
    return doc


MEMBER_SCHEMA = {
    "name": "member",
    "properties": {
        "created_at": {"description": "Date and time of image member creation", "type": "string"},
        "image_id": {
            "description": "An identifier for the image",
            "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
            "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$",
            "type": "string",
        },
        "member_id": {
            "description": "An identifier for the image member (tenantId)",
            "type": "string",
        },
        "status": {
            "description": "The status of this image member",
            "enum": ["pending", "accepted", "rejected"],
            "type": "string",
        },
        "updated_at": {
            "description": "Date and time of last modification of image member",
            "type": "string",
        },
        "schema": {"readOnly": True, "type": "string"},
    },
}

MEMBERS_SCHEMA = {
    "name": "members",
    "properties": {
        "members": {"type": "array", "items": MEMBER_SCHEMA},
        "schema": {"type": "string"},
    },
    "links": [{"rel": "describedby", "href": "{schema}"}],
}

_STR = {"type": "string"}
_NSTR = {"type": ["null", "string"]}
IMAGE_SCHEMA = {
    "name": "image",
    "additionalProperties": {"type": "string"},
    "properties": {
        "id": {**_STR, "description": "An identifier for the image"},
        "name": {**_NSTR, "maxLength": 255},
        "status": {**_STR, "enum": [s.value for s in Image.Status]},
        "visibility": {**_STR, "enum": ["public", "private", "shared", "community"]},
        "owner": {**_NSTR, "description": "Owner project ID"},
        "protected": {"type": "boolean"},
        "min_disk": {"type": "integer"},
        "min_ram": {"type": "integer"},
        "size": {"type": ["null", "integer"]},
        "disk_format": _NSTR,
        "container_format": _NSTR,
        "virtual_size": {"type": ["null", "integer"]},
        "checksum": _NSTR,
        "os_hash_algo": _NSTR,
        "os_hash_value": _NSTR,
        "os_hidden": {"type": "boolean"},
        "tags": {"type": "array", "items": _STR},
        "created_at": _STR,
        "updated_at": _STR,
        "self": _STR,
        "file": _STR,
        "schema": _STR,
        "__imagetype": _STR,
        "__os_type": _STR,
        "__os_version": _STR,
        "__os_bit": _STR,
        "__isregistered": _STR,
        "__platform": _STR,
        "__image_source_type": _STR,
        "__whole_image": _STR,
        "__system__cmkid": _NSTR,
        "__description": _STR,
        "__backup_id": _STR,
        "virtual_env_type": _STR,
    },
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}

IMAGES_SCHEMA = {
    "name": "images",
    "properties": {
        "images": {"type": "array", "items": IMAGE_SCHEMA},
        "schema": _STR,
        "first": _STR,
        "next": _STR,
    },
    "links": [
        {"rel": "first", "href": "{first}"},
        {"rel": "next", "href": "{next}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}
