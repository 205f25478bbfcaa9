"""Replicating an own or accepted shared image (D9)."""

from __future__ import annotations

import re

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import InputRefused
from console.kms.models import Key
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image
from ims.services.use import image_lock_for_use

IMAGE_NAME_RULE = _(
    "1 to 128 characters: letters, digits, spaces, underscores (_), hyphens (-) and periods "
    "(.), not starting or ending with a space"
)


IMAGE_NAME_RE = re.compile(r"\A(?! )[A-Za-z0-9_. -]{1,128}(?<! )\Z")


@audited(
    service="IMS",
    operation="copyImage",
    resource_type="image",
    resource=lambda kw: (kw["image"].pk, kw["image"].name),
)
def image_replicate(
    *,
    actor: User,
    project: Project,
    image: Image,
    name: str,
    description: str = "",
    kms_key: Key | None = None,
) -> Image:
    """Copy an own or accepted shared image into a new private image of `project`.

    The copy is independent of the source; an encrypted source is re-keyed with the
    project's own custom key, so revoking the owner's grant later does not affect it (D10).
    """
    ensure_can_change(actor)
    if not IMAGE_NAME_RE.match(name or ""):
        raise InputRefused(
            format_lazy(_("Enter a valid image name: {rule}."), rule=IMAGE_NAME_RULE), field="name"
        )
    if len(description or "") > 1024:
        raise InputRefused(
            _("The description may have at most 1024 characters."), field="description"
        )
    source = image_lock_for_use(project=project, image=image, use="replicate")
    key = None
    if source.encrypted:
        if kms_key is None:
            raise InputRefused(
                format_lazy(
                    _("{image} is encrypted: select a KMS key of your own for the copy."),
                    image=source.name,
                ),
                field="kms_key",
            )
        key = Key.objects.for_project(project).select_for_update().filter(pk=kms_key.pk).first()
        if key is None:
            raise InputRefused(_("The KMS key does not belong to this project."), field="kms_key")
        if key.is_default:
            raise InputRefused(
                _("Select one of your custom keys: the default key cannot encrypt the copy."),
                field="kms_key",
            )
        if key.state != Key.State.ENABLED:
            raise InputRefused(
                format_lazy(
                    _("{key} is {state}: select an enabled key."),
                    key=key.alias,
                    state=key.get_state_display().lower(),
                ),
                field="kms_key",
            )
    elif kms_key is not None:
        raise InputRefused(
            format_lazy(
                _("{image} is not encrypted, so its copy is not encrypted either."),
                image=source.name,
            ),
            field="kms_key",
        )
    copy = Image(
        region_id=project.region_id,
        owner=project,
        name=name,
        image_type=source.image_type,
        os_type=source.os_type,
        os=source.os,
        status=Image.Status.ACTIVE,
        min_disk_gb=source.min_disk_gb,
        size_gb=source.size_gb,
        kms_key=key,
        source_image=source,
        description=description or "",
    )
    copy.full_clean()
    copy.save()
    note(
        resource_id=copy.pk,
        resource_name=copy.name,
        detail={
            "source_image_id": str(source.pk),
            "source_image_name": source.name,
            "kms_key": key.alias if key else None,
        },
    )
    return copy
