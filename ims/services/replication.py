"""Replicating an own or accepted shared image (D9): a Creating copy, finished by a task."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import ConsoleError, InputRefused
from console.kms.models import Key
from console.models import Project, User
from console.services import ensure_can_change
from console.tasks import enqueue_on_commit
from ims.models import Image
from ims.services.attributes import image_description_refusal, image_name_refusal
from ims.services.quotas import lock_quota
from ims.services.sharing import image_resource
from ims.services.use import image_lock_for_use
from ims.tasks import replicate_image

SOURCE_DELETED = _("The source image was deleted before the replication finished.")


def _copy_key(project: Project, source: Image, kms_key: Key | None) -> Key | None:
    """The locked key of the copy: the project's own custom key for an encrypted source."""
    if not source.encrypted:
        if kms_key is not None:
            raise InputRefused(
                format_lazy(
                    _("{image} is not encrypted, so its copy is not encrypted either."),
                    image=source.name,
                ),
                field="kms_key",
            )
        return None
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
    return key


@audited(
    service="IMS",
    operation="copyImage",
    resource_type="image",
    resource=image_resource,
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
    """Start copying an own or accepted shared image into a new private image of `project`.

    The copy is created at once in Creating status (it cannot be used or shared yet); the
    `replicate_image` task, enqueued when this commits, makes it Normal or Error. The copy
    is independent of the source; an encrypted source is re-keyed with the project's own
    custom key, so revoking the owner's grant later does not affect it (D10).
    """
    ensure_can_change(actor)
    for refusal in (image_name_refusal(name), image_description_refusal(description)):
        if refusal is not None:
            raise refusal
    # The quota is locked first, as by sharing, so the two never wait on each other.
    quota = lock_quota(project)
    source = image_lock_for_use(project=project, image=image, use="replicate")
    key = _copy_key(project, source, kms_key)
    quota.ensure_private_images(adding=1)
    copy = Image(
        region_id=project.region_id,
        owner=project,
        name=name,
        image_type=source.image_type,
        os_type=source.os_type,
        os=source.os,
        status=Image.Status.SAVING,
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
            "status": copy.status,
        },
    )
    enqueue_on_commit(replicate_image, str(copy.pk))
    return copy


def _copy_resource(kw: dict[str, object]) -> tuple[object, str]:
    copy = kw["image"]
    return copy.pk, copy.name


@audited(
    service="IMS",
    operation="copyImageFinished",
    resource_type="image",
    resource=_copy_resource,
)
def image_replication_finish(
    *, actor: User | None, project: Project, image: Image, failure: str = ""
) -> Image | None:
    """End a copy's Creating status: Normal, or Error with the reason it failed.

    The source is checked again (locked): it may have been deleted, unshared, rejected or
    lost its key grant while the copy was queued. `failure` forces Error (the work itself
    failed). A copy no longer Creating (deleted, or finished twice) is left alone.
    """
    copy = Image.objects.select_for_update().filter(pk=image.pk).first()
    if copy is None or copy.status != Image.Status.SAVING:
        return None
    reason = str(failure)
    if not reason and copy.source_image_id is None:
        reason = str(SOURCE_DELETED)
    if not reason:
        try:
            image_lock_for_use(project=project, image=copy.source_image, use="replicate")
        except ConsoleError as refused:
            reason = str(refused)
    copy.status = Image.Status.ERROR if reason else Image.Status.ACTIVE
    copy.status_reason = reason[:255]
    copy.save(update_fields=["status", "status_reason"])
    note(
        resource_id=copy.pk,
        resource_name=copy.name,
        detail={"status": copy.status, "reason": copy.status_reason},
    )
    return copy
