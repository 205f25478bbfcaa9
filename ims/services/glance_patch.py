"""Glance's PATCH of an image: a JSON patch applied all or nothing, with Glance's refusals
(glance/api/v2/images.py `ImagesController.update`) and the Modify Image rules of IMS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import Conflict, Forbidden
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageTag
from ims.services.attributes import image_memory_refusal
from ims.services.glance import (
    CORE,
    IMS_WRITABLE,
    apply_attribute,
    attribute_refusal,
    clean_property,
    clean_tags,
    property_count_refusal,
    set_image_tags,
)
from ims.services.sharing import image_resource, lock_own_image


@dataclass(frozen=True)
class Change:
    """One operation of a JSON patch: `op` add, replace or remove on the attribute `key`."""

    op: str
    key: str
    value: object = None


def _absent(key: str) -> Conflict:
    return Conflict("IMG.0001", format_lazy(_("Property {key} does not exist."), key=key[:255]))


def _attribute_update(image: Image, change: Change, project: Project) -> None:
    """Apply one change to one of Glance's own attributes (or a writable IMS one)."""
    if change.op == "remove":
        raise Forbidden(
            "IMG.0001", format_lazy(_("Property {key} may not be removed."), key=change.key)
        )
    if change.key == "owner" and change.op == "replace":
        raise Forbidden("IMG.0001", _("Owner can't be updated by non admin."))
    apply_attribute(image, change.key, change.value, project)


def _property_update(properties: dict[str, str], change: Change, *, strict_add: bool) -> None:
    """Apply one change to the custom properties, with Glance's 409s for the wrong op."""
    present = change.key in properties
    if change.op == "remove":
        if not present:
            raise _absent(change.key)
        del properties[change.key]
        return
    if change.op == "replace" and not present:
        raise _absent(change.key)
    if change.op == "add" and present and strict_add:
        message = _("Property {key} already present.")
        raise Conflict("IMG.0001", format_lazy(message, key=change.key[:255]))
    properties[change.key] = clean_property(change.key, change.value)


@audited(service="IMS", operation="updateImage", resource_type="image", resource=image_resource)
def glance_image_update(
    *, actor: User, project: Project, image: Image, changes: list[Change], strict_add: bool = False
) -> Image:
    """Apply a JSON patch to an own image, all of it or nothing, as Glance's PATCH.

    Attributes follow Modify Image's rules (name, description, memory); `strict_add` is the
    older patch draft, where adding a present property is a conflict.
    """
    ensure_can_change(actor)
    # Glance refuses a read-only or reserved path before it looks at the image.
    for change in changes:
        if refused := attribute_refusal(change.key):
            raise refused
    locked = lock_own_image(project, image, code="IMG.0047")
    before = {**_glance_state(locked), "tags": _tags_of(locked)}
    properties = dict(locked.properties or {})
    tags = None
    for change in changes:
        if change.key == "tags":
            if change.op == "remove":
                _attribute_update(locked, change, project)
            tags = clean_tags(change.value)
        elif change.key in CORE or change.key in IMS_WRITABLE:
            _attribute_update(locked, change, project)
        else:
            _property_update(properties, change, strict_add=strict_add)
    if refused := property_count_refusal(len(properties)):
        raise refused
    if any(change.key == "min_ram" for change in changes) and (
        refused := image_memory_refusal(locked, locked.min_ram, locked.max_ram)
    ):
        raise refused
    locked.properties = properties
    locked.save()
    if tags is not None:
        set_image_tags(locked, tags)
    after = {
        **_glance_state(locked),
        "tags": _tag_labels(tags) if tags is not None else before["tags"],
    }
    note(
        resource_id=str(locked.pk),
        resource_name=locked.name,
        detail={"changed": {k: [before[k], after[k]] for k in before if before[k] != after[k]}},
    )
    return locked


def _glance_state(image: Image) -> dict[str, Any]:
    """What a patch may change, as the audit trail records it."""
    return {
        "name": image.name,
        "visibility": image.visibility,
        "protected": image.protected,
        "os_hidden": image.os_hidden,
        "container_format": image.container_format,
        "disk_format": image.disk_format,
        "min_disk": image.min_disk_gb,
        "min_ram": image.min_ram,
        "os": image.os,
        "description": image.description,
        "properties": dict(image.properties or {}),
    }


def _tag_labels(tags: dict[str, str]) -> list[str]:
    return sorted(f"{key}={value}" if value else key for key, value in tags.items())


def _tags_of(image: Image) -> list[str]:
    return _tag_labels(dict(ImageTag.objects.filter(image=image).values_list("key", "value")))
