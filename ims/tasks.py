"""IMS background tasks: finishing a Creating image (a new one, or a replica)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from ims.models import Image

logger = logging.getLogger(__name__)

INTERNAL_FAILURE = _(
    "The replication failed because of an internal error. Delete the copy and try again."
)


@task
def replicate_image(image_id: str) -> str:
    """Copy the data of a Creating replica, then make it Normal (or Error with the reason)."""
    from ims.services.replication import image_replication_finish

    copy = Image.objects.select_related("owner").filter(pk=image_id).first()
    if copy is None or copy.status != Image.Status.SAVING:
        return "skipped"
    try:
        # The stand-in's copy of the data only takes time.
        time.sleep(max(settings.IMS_REPLICATION_SECONDS, 0))
        finished = image_replication_finish(actor=None, project=copy.owner, image=copy)
    except Exception:
        logger.exception("Replicating image %s failed", image_id)
        finished = image_replication_finish(
            actor=None, project=copy.owner, image=copy, failure=str(INTERNAL_FAILURE)
        )
    return finished.status if finished else "skipped"


CREATION_FAILURE = _(
    "The image could not be created because of an internal error. Delete it and try again."
)


@task
def create_image(image_id: str) -> str:
    """Make a Creating image Normal once its data is in place, or Error with the reason."""
    from ims.services.creation import image_creation_finish

    image = Image.objects.select_related("owner").filter(pk=image_id).first()
    if image is None or image.status != Image.Status.SAVING:
        return "skipped"
    try:
        # The stand-in's copy of the disks or the file check only takes time.
        time.sleep(max(settings.IMS_REPLICATION_SECONDS, 0))
        finished = image_creation_finish(actor=None, project=image.owner, image=image)
    except Exception:
        logger.exception("Creating image %s failed", image_id)
        finished = image_creation_finish(
            actor=None, project=image.owner, image=image, failure=str(CREATION_FAILURE)
        )
    return finished.status if finished else "skipped"
