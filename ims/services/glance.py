"""Images made and changed through the Glance v2 API: their attributes, file and state.

The rules are Glance's (`glance/api/v2/images.py`, `glance/domain`) where IMS documents
none of its own, and the console's where it does (names, tags, quotas).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import Conflict, Forbidden, ImsError, LimitExceeded
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageTag
from ims.services.attributes import (
    image_description_refusal,
    image_memory_refusal,
    image_name_refusal,
)
from ims.services.quotas import lock_quota
from ims.services.sharing import image_resource, lock_own_image
from ims.services.tags import MAX_TAGS_PER_IMAGE, clean_tag
from ims.store import files

# What Glance lets no one write, what it reserves, and its own attributes (the rest of an
# image's keys are custom properties).
DISALLOWED = frozenset({"direct_url", "self", "file", "schema", "stores", "locations"})
READ_ONLY = frozenset(
    {
        "created_at",
        "updated_at",
        "status",
        "checksum",
        "size",
        "virtual_size",
        "direct_url",
        "self",
        "file",
        "schema",
        "id",
        "os_hash_algo",
        "os_hash_value",
        "locations",
    }
)
RESERVED = frozenset({"location", "deleted", "deleted_at"})
RESERVED_PREFIX = "os_glance"
# The IMS attributes of the image list are the replica's to compute; two map to columns.
IMS_WRITABLE = {"__os_version": "os", "__description": "description"}
CORE = frozenset(
    {
        "name",
        "visibility",
        "protected",
        "os_hidden",
        "container_format",
        "disk_format",
        "min_disk",
        "min_ram",
        "tags",
        "owner",
    }
)
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
DISK_FORMATS = tuple(Image.DiskFormat.values)
# Visibilities a project may give its own image; "public" is the cloud administrator's.
OWNER_VISIBILITIES = ("private", "shared", "community")
MIN_DISK_GB, MAX_DISK_GB = 1, 1024
MAX_RAM_MB = 1024 * 1024
MAX_PROPERTY_KEY = 255
MAX_PROPERTY_VALUE = 65535
MAX_PROPERTIES = 128
DEFAULT_OS = "Other Linux(64 bit)"
_WINDOWS_RE = re.compile(r"\bwindows\b", re.IGNORECASE)


def attribute_refusal(key: str) -> ImsError | None:
    """Why no one may set or remove the attribute `key`, or None (Glance's 403s)."""
    if key in READ_ONLY or key in DISALLOWED:
        return Forbidden("IMG.0001", format_lazy(_("Attribute '{key}' is read-only."), key=key))
    if key in RESERVED or key.startswith(RESERVED_PREFIX):
        return Forbidden("IMG.0001", format_lazy(_("Attribute '{key}' is reserved."), key=key))
    if key.startswith("__") and key not in IMS_WRITABLE:
        return Forbidden("IMG.0001", format_lazy(_("Attribute '{key}' is read-only."), key=key))
    return None


def _bad(message) -> ImsError:
    return ImsError("IMG.0001", message)


def _choice(key: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _bad(
            format_lazy(
                _("{key} must be one of {allowed}; {value} is not."),
                key=key,
                allowed=", ".join(allowed),
                value=repr(value)[:64],
            )
        )
    return value


def _integer(key: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(
            format_lazy(
                _("{key} must be an integer from {low} to {high}."), key=key, low=low, high=high
            )
        )
    return value


def _boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _bad(format_lazy(_("{key} must be true or false."), key=key))
    return value


def split_tag(tag: object) -> tuple[str, str]:
    """A Glance tag as the IMS key/value tag it stands for: "key.value", "key=value" or "key"."""
    if not isinstance(tag, str) or not tag.strip() or len(tag) > 255:
        raise _bad(_("A tag is a string of 1 to 255 characters."))
    parts = re.split(r"[.=]", tag.strip(), maxsplit=1)
    return clean_tag(parts[0], parts[1] if len(parts) > 1 else "")


def clean_tags(tags: object) -> dict[str, str]:
    """The image's tags from Glance's `tags` list (a later value of a key wins)."""
    if not isinstance(tags, list):
        raise _bad(_("tags must be a list of strings."))
    cleaned = dict(split_tag(tag) for tag in tags)
    if len(cleaned) > MAX_TAGS_PER_IMAGE:
        raise _bad(format_lazy(_("An image can have at most {max} tags."), max=MAX_TAGS_PER_IMAGE))
    return cleaned


def clean_property(key: str, value: object) -> str:
    """A custom property's value, or the refusal (Glance's schema: strings only)."""
    if refused := attribute_refusal(key):
        raise refused
    if not key or len(key) > MAX_PROPERTY_KEY:
        raise _bad(_("Custom property should not be greater than 255 characters."))
    if "\x00" in key:
        raise _bad(_("A property name cannot contain NUL characters."))
    if not isinstance(value, str) or len(value) > MAX_PROPERTY_VALUE or "\x00" in value:
        raise _bad(format_lazy(_("The value of {key} must be a string."), key=key[:64]))
    return value


def property_count_refusal(count: int) -> ImsError | None:
    """Why an image cannot have `count` custom properties, or None (Glance's 413)."""
    if count > MAX_PROPERTIES:
        return LimitExceeded(
            "IMG.0001",
            format_lazy(_("An image can have at most {max} properties."), max=MAX_PROPERTIES),
        )
    return None


def apply_attribute(image: Image, key: str, value: object, project: Project) -> None:
    """Set one of Glance's attributes (or an IMS one) on an unsaved or locked image."""
    if key == "name":
        if value is None or value == "":
            image.name = ""
        elif not isinstance(value, str):
            raise _bad(_("name must be a string."))
        elif refused := image_name_refusal(value):
            raise refused
        else:
            image.name = value
    elif key == "visibility":
        if value == "public":
            raise Forbidden("IMG.0001", _("Only the cloud administrator may make an image public."))
        image.visibility = _choice(key, value, OWNER_VISIBILITIES)
    elif key in ("protected", "os_hidden"):
        setattr(image, key, _boolean(key, value))
    elif key == "container_format":
        image.container_format = _choice(key, value, CONTAINER_FORMATS)
        _queued_only(image, key)
    elif key == "disk_format":
        image.disk_format = _choice(key, value, DISK_FORMATS)
        _queued_only(image, key)
        if image.status == Image.Status.QUEUED:
            iso = image.disk_format == Image.DiskFormat.ISO
            image.image_type = Image.ImageType.ISO if iso else Image.ImageType.SYSTEM
    elif key == "min_disk":
        image.min_disk_gb = _integer(key, value, MIN_DISK_GB, MAX_DISK_GB)
    elif key == "min_ram":
        image.min_ram = _integer(key, value, 0, MAX_RAM_MB)
    elif key == "owner":
        if value != project.project_id:
            raise Forbidden("IMG.0001", _("You are not permitted to change an image's owner."))
    elif key in IMS_WRITABLE:
        limit = 128 if key == "__os_version" else 1024
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            raise _bad(format_lazy(_("The value of {key} is too long."), key=key))
        if key == "__description" and (refused := image_description_refusal(value)):
            raise refused
        setattr(image, IMS_WRITABLE[key], value)
        if key == "__os_version":
            image.os_type = os_type_of(value)


def _queued_only(image: Image, key: str) -> None:
    # Glance's domain rule: the formats describe data not yet uploaded.
    if image.status != Image.Status.QUEUED:
        raise Forbidden(
            "IMG.0001",
            format_lazy(_("Attribute {key} can be only replaced for a queued image."), key=key),
        )


def os_type_of(os_version: str) -> str:
    """The OS type an OS version names (IMS's `__os_type`)."""
    if _WINDOWS_RE.search(os_version):
        return Image.OsType.WINDOWS
    return Image.OsType.OTHER if not os_version else Image.OsType.LINUX


def set_image_tags(image: Image, tags: dict[str, str]) -> None:
    """Make `tags` the locked image's tags, in two statements whatever their number."""
    ImageTag.objects.filter(image=image).exclude(key__in=list(tags)).delete()
    ImageTag.objects.bulk_create(
        [ImageTag(image=image, key=k, value=v) for k, v in tags.items()],
        update_conflicts=True,
        unique_fields=["image", "key"],
        update_fields=["value"],
    )


def _creation_resource(kw: dict[str, Any]) -> tuple[object, str]:
    return kw["attributes"].get("id") or "", kw["attributes"].get("name") or ""


@audited(service="IMS", operation="createImage", resource_type="image", resource=_creation_resource)
def glance_image_create(
    *, actor: User, project: Project, attributes: dict[str, Any], properties: dict[str, Any]
) -> Image:
    """Create a queued image (no file yet) in `project`, as Glance's POST /v2/images.

    `attributes` are Glance's own keys (and `id`, `tags`); `properties` the custom ones.
    """
    ensure_can_change(actor)
    image = Image(
        owner=project,
        region_id=project.region_id,
        status=Image.Status.QUEUED,
        image_type=Image.ImageType.SYSTEM,
        os=DEFAULT_OS,
        os_type=Image.OsType.LINUX,
        visibility=Image.Visibility.PRIVATE,
        size_gb=0,
    )
    for key, value in attributes.items():
        if key not in ("id", "tags"):
            apply_attribute(image, key, value, project)
    if "id" in attributes:
        try:
            image.pk = uuid.UUID(str(attributes["id"]))
        except ValueError:
            raise _bad(_("id must be a UUID.")) from None
    tags = clean_tags(attributes.get("tags", []))
    if refused := property_count_refusal(len(properties)):
        raise refused
    image.properties = {key: clean_property(key, value) for key, value in properties.items()}
    if "min_ram" in attributes and (
        refused := image_memory_refusal(image, image.min_ram, image.max_ram)
    ):
        raise refused
    quota = lock_quota(project)
    quota.ensure_private_images(adding=1)
    if Image.objects.filter(pk=image.pk).exists():
        raise Conflict(
            "IMG.0001", format_lazy(_("Image with ID {id} already exists."), id=image.pk)
        )
    image.save(force_insert=True)
    set_image_tags(image, tags)
    note(resource_id=str(image.pk), resource_name=image.name, detail={"via": "glance"})
    return image


def download_refusal(image: Image, project: Project) -> ImsError | None:
    """Why the image's data cannot be downloaded now, or None (Glance: only an admin may
    download a deactivated image)."""
    if image.status == Image.Status.DEACTIVATED:
        return Forbidden(
            "IMG.0046",
            _("The image has been deactivated. Image data download is forbidden."),
        )
    return None


def _state_conflict(image: Image, action) -> Conflict:
    return Conflict(
        "IMG.0046",
        format_lazy(
            _("Image {id} is {status}: {action}"),
            id=image.pk,
            status=image.get_status_display(),
            action=action,
        ),
    )


@audited(service="IMS", operation="uploadImage", resource_type="image", resource=image_resource)
def image_upload_begin(*, actor: User, project: Project, image: Image) -> Image:
    """Mark an own queued image as saving while its file streams in (else 409)."""
    ensure_can_change(actor)
    locked = lock_own_image(project, image, code="IMG.0047")
    if locked.status != Image.Status.QUEUED:
        raise _state_conflict(locked, _("only a queued image takes a file."))
    locked.status = Image.Status.SAVING
    locked.save(update_fields=["status", "updated"])
    return locked


@audited(service="IMS", operation="uploadImage", resource_type="image", resource=image_resource)
def image_upload_finish(
    *, actor: User, project: Project, image: Image, pending: files.PendingFile | None
) -> Image:
    """Record the stored file and make the image active; with no file, queue it again.

    The file is kept only if this commits; an image deleted meanwhile keeps nothing.
    """
    locked = lock_own_image(project, image, code="IMG.0047")
    if locked.status != Image.Status.SAVING:
        raise _state_conflict(locked, _("the upload was not recorded."))
    if pending is None:
        locked.status = Image.Status.QUEUED
        locked.save(update_fields=["status", "updated"])
        return locked
    stored = pending.keep()
    locked.file_name, locked.file_size = stored.name, stored.size
    locked.checksum, locked.os_hash_value = stored.md5, stored.sha512
    locked.size_gb = round(stored.size / 1024**3, 2)
    locked.status = Image.Status.ACTIVE
    locked.save()
    note(
        resource_id=str(locked.pk),
        resource_name=locked.name,
        detail={"size": stored.size, "checksum": stored.md5},
    )
    return locked


@audited(
    service="IMS",
    operation=lambda kw: "deactivateImage" if kw["deactivate"] else "reactivateImage",
    resource_type="image",
    resource=image_resource,
)
def image_activation_set(*, actor: User, project: Project, image: Image, deactivate: bool) -> Image:
    """Deactivate an active image or reactivate a deactivated one (idempotent, as Glance)."""
    ensure_can_change(actor)
    locked = lock_own_image(project, image, code="IMG.0047")
    wanted = Image.Status.DEACTIVATED if deactivate else Image.Status.ACTIVE
    if locked.status == wanted:
        return locked
    other = Image.Status.ACTIVE if deactivate else Image.Status.DEACTIVATED
    if locked.status != other:
        action = (
            _("only an active image can be deactivated.")
            if deactivate
            else _("only a deactivated image can be reactivated.")
        )
        raise _state_conflict(locked, action)
    locked.status = wanted
    locked.save(update_fields=["status", "updated"])
    note(resource_id=str(locked.pk), resource_name=locked.name, detail={"status": wanted})
    return locked
