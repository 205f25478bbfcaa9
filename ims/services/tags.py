"""Image tags: key/value pairs the owner sets on a private image (IMS Image Tag Format)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import InputRefused
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageTag
from ims.services.sharing import image_resource, lock_own_image

MAX_TAGS_PER_IMAGE = 10
TAG_KEY_MAX = 36
TAG_VALUE_MAX = 43
# Letters include the CJK ideographs some regions document; \w is Unicode-aware.
_KEY_RE = re.compile(rf"\A[\w-]{{1,{TAG_KEY_MAX}}}\Z")
_VALUE_RE = re.compile(rf"\A[\w.-]{{0,{TAG_VALUE_MAX}}}\Z")

TAG_KEY_RULE = _(
    "1 to 36 characters: letters, digits, underscores (_) and hyphens (-); unique per image"
)
TAG_VALUE_RULE = _(
    "0 to 43 characters: letters, digits, underscores (_), periods (.) and hyphens (-)"
)


def clean_tag(key: str, value: str = "") -> tuple[str, str]:
    """The tag as stored (outer spaces removed), or InputRefused naming the broken rule."""
    key, value = (key or "").strip(), (value or "").strip()
    if not _KEY_RE.match(key):
        raise InputRefused(
            str(_("Enter a valid tag key: %(rule)s.") % {"rule": TAG_KEY_RULE}), field="key"
        )
    if not _VALUE_RE.match(value):
        raise InputRefused(
            str(_("Enter a valid tag value: %(rule)s.") % {"rule": TAG_VALUE_RULE}),
            field="value",
        )
    return key, value


@audited(service="IMS", operation="addImageTag", resource_type="image", resource=image_resource)
def image_tag_add(
    *, actor: User, project: Project, image: Image, key: str, value: str = ""
) -> ImageTag:
    """Tag an own image; a key it already has gets the new value (one value per key)."""
    ensure_can_change(actor)
    key, value = clean_tag(key, value)
    # Recipients see the owner's tags but cannot add their own to a shared image.
    locked = lock_own_image(project, image, code="IMG.0047")
    tags = {tag.key: tag for tag in ImageTag.objects.select_for_update().filter(image=locked)}
    tag = tags.get(key)
    previous = tag.value if tag else None
    if tag is None:
        if len(tags) >= MAX_TAGS_PER_IMAGE:
            raise InputRefused(
                str(
                    _("An image can have at most %(max)d tags; %(image)s has %(count)d.")
                    % {"max": MAX_TAGS_PER_IMAGE, "image": locked.name, "count": len(tags)}
                ),
                field="key",
            )
        tag = ImageTag.objects.create(image=locked, key=key, value=value)
    elif tag.value != value:
        tag.value = value
        tag.save(update_fields=["value"])
    note(
        resource_id=locked.pk,
        resource_name=locked.name,
        detail={"key": key, "value": value, "previous_value": previous},
    )
    return tag


@audited(service="IMS", operation="deleteImageTag", resource_type="image", resource=image_resource)
def image_tag_delete(*, actor: User, project: Project, image: Image, key: str) -> bool:
    """Remove a tag of an own image; False when it had no such tag (nothing to do)."""
    ensure_can_change(actor)
    locked = lock_own_image(project, image, code="IMG.0047")
    tag = ImageTag.objects.select_for_update().filter(image=locked, key=(key or "").strip()).first()
    if tag is None:
        return False
    tag.delete()
    note(
        resource_id=locked.pk,
        resource_name=locked.name,
        detail={"key": tag.key, "value": tag.value},
    )
    return True
