"""An image's own attributes: the rules of its name, description and memory, and Modify.

Each rule is one function that returns the refusal (with its documented IMG code) or None:
the services raise it, the forms ask it in `clean()`, the dialogs take their choices and
limits from the constants here.
"""

from __future__ import annotations

import re

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import ImsError
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image
from ims.services.sharing import image_resource, lock_own_image

MAX_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 1024

IMAGE_NAME_RULE = _(
    "1 to 128 characters: letters, digits, spaces, underscores (_), hyphens (-) and periods "
    "(.), not starting or ending with a space"
)
IMAGE_NAME_RE = re.compile(r"\A(?! )[A-Za-z0-9_. -]{1,128}(?<! )\Z")
DESCRIPTION_RULE = _("At most 1024 characters, without line breaks or angle brackets (< >).")
_DESCRIPTION_FORBIDDEN = re.compile(r"[\r\n<>]")

GB = 1024
# The Modify Image dialog's choices, in MB as the API keeps them; 0 means Unlimited.
MIN_MEMORY_CHOICES_MB = [0, 1 * GB, 2 * GB, 4 * GB, 8 * GB, 16 * GB, 32 * GB, 64 * GB, 128 * GB]
MAX_MEMORY_CHOICES_MB = [0, 4 * GB, 32 * GB, 64 * GB, 128 * GB]
# Memory is a property of the servers an image starts; data disk and ISO images start none.
MEMORY_IMAGE_TYPES = {Image.ImageType.SYSTEM, Image.ImageType.FULL_ECS}


def _on(field: str, error: ImsError) -> ImsError:
    """The refusal, marked with the form field it concerns."""
    error.field = field
    return error


def image_name_refusal(name: str | None) -> ImsError | None:
    """Why `name` is no valid image name (IMG.0013, IMG.0002, IMG.0003), or None."""
    if not name:
        return _on("name", ImsError("IMG.0013"))
    if len(name) > MAX_NAME_LENGTH:
        return _on(
            "name",
            ImsError(
                "IMG.0002",
                format_lazy(_("It has {count} characters."), count=len(name)),
            ),
        )
    if not IMAGE_NAME_RE.match(name):
        return _on(
            "name",
            ImsError(
                "IMG.0003",
                format_lazy(_("Enter a valid image name: {rule}."), rule=IMAGE_NAME_RULE),
            ),
        )
    return None


def image_description_refusal(description: str | None) -> ImsError | None:
    """Why `description` is no valid image description (IMG.0004, IMG.0054), or None."""
    description = description or ""
    if len(description) > MAX_DESCRIPTION_LENGTH:
        return _on(
            "description",
            ImsError(
                "IMG.0004",
                format_lazy(_("It has {count} characters."), count=len(description)),
            ),
        )
    if _DESCRIPTION_FORBIDDEN.search(description):
        return _on("description", ImsError("IMG.0054", DESCRIPTION_RULE))
    return None


def memory_label(mb: int) -> str:
    """A memory choice as the dialog shows it: Unlimited, or whole GB."""
    return str(_("Unlimited")) if not mb else f"{mb // GB} GB"


def image_memory_refusal(image: Image, min_ram: int, max_ram: int) -> ImsError | None:
    """Why an image may not have this minimum and maximum memory (IMG.0055), or None."""
    if image.image_type not in MEMORY_IMAGE_TYPES and (min_ram or max_ram):
        return _on(
            "min_ram",
            ImsError(
                "IMG.0055",
                _("Only system disk and full-ECS images have a minimum or maximum memory."),
            ),
        )
    if min_ram not in MIN_MEMORY_CHOICES_MB:
        return _on("min_ram", ImsError("IMG.0055", _("Choose one of the minimum memory sizes.")))
    if max_ram not in MAX_MEMORY_CHOICES_MB:
        return _on("max_ram", ImsError("IMG.0055", _("Choose one of the maximum memory sizes.")))
    if min_ram and max_ram and min_ram > max_ram:
        return _on(
            "max_ram",
            ImsError(
                "IMG.0055",
                format_lazy(
                    _("The maximum memory ({max}) is less than the minimum memory ({min})."),
                    max=memory_label(max_ram),
                    min=memory_label(min_ram),
                ),
            ),
        )
    return None


def image_modify_refusal(image: Image, project: Project) -> ImsError | None:
    """Why `project` may not modify `image` at all, or None: only its own, Normal images."""
    if image.is_public or image.owner_id != project.pk:
        return ImsError("IMG.0047")
    if image.status != Image.Status.ACTIVE:
        return ImsError(
            "IMG.0046",
            format_lazy(
                _("Its status is {status}; only images in Normal status can be modified."),
                status=image.get_status_display(),
            ),
        )
    return None


@audited(service="IMS", operation="updateImage", resource_type="image", resource=image_resource)
def image_modify(
    *,
    actor: User,
    project: Project,
    image: Image,
    name: str,
    description: str = "",
    min_ram: int = 0,
    max_ram: int = 0,
) -> Image:
    """Change an own image's name, description and memory limits (Modify Image).

    Only images in Normal status; the row is locked while it is checked and changed.
    """
    ensure_can_change(actor)
    locked = lock_own_image(project, image, code="IMG.0047")
    for refusal in (
        image_modify_refusal(locked, project),
        image_name_refusal(name),
        image_description_refusal(description),
        image_memory_refusal(locked, min_ram, max_ram),
    ):
        if refusal is not None:
            raise refusal
    before = {
        "name": locked.name,
        "description": locked.description,
        "min_ram": locked.min_ram,
        "max_ram": locked.max_ram,
    }
    locked.name, locked.description = name, description or ""
    locked.min_ram, locked.max_ram = min_ram, max_ram
    locked.save(update_fields=["name", "description", "min_ram", "max_ram"])
    after = {key: getattr(locked, key) for key in before}
    note(
        resource_id=str(locked.pk),
        resource_name=locked.name,
        detail={
            "changed": {k: [before[k], after[k]] for k in before if before[k] != after[k]},
        },
    )
    return locked
