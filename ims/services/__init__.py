"""IMS services: every state change of images and image members goes through here.

One module per subdomain; the public names are re-exported so callers import `ims.services`.

The lock order. Every service that touches shares locks the rows it checks in this order,
each kind in primary-key order, and never goes back up the list, so that two services
racing over the same rows (an API job and a console action, two batches) queue instead of
deadlocking:

1. the batch member job's own row (`ims.api.jobs`, held while the job's change runs);
2. the acting project's row, for its quotas (`lock_quota`, FOR NO KEY UPDATE so that rows
   referring to the project — traces, messages, shares — can still be written);
3. image rows (`lock_own_image`, `lock_own_images`, `image_lock_for_use`);
4. share rows, all the batch's in one query (`removal._lock_members`, `answers._lock_members`,
   the members in `image_share`);
5. KMS key and grant rows (`image_lock_for_use`);
6. vault rows, then their backups (`shares_accept`; `member_backups_release`).

A service may skip a level (accepting locks no image) but not lock a higher one after a
lower one: a batch over several images locks all the images, then all their shares, rather
than image by image.
"""

from ims.services.answers import (
    ShareAnswer,
    full_ecs_required_gb,
    member_backups_release,
    shares_accept,
    shares_reject,
)
from ims.services.attributes import (
    DESCRIPTION_RULE,
    IMAGE_NAME_RE,
    IMAGE_NAME_RULE,
    MAX_MEMORY_CHOICES_MB,
    MEMORY_IMAGE_TYPES,
    MIN_MEMORY_CHOICES_MB,
    image_description_refusal,
    image_memory_refusal,
    image_modify,
    image_modify_refusal,
    image_name_refusal,
    memory_label,
)
from ims.services.creation import (
    image_create_from_disks,
    image_create_from_file,
    image_creation_finish,
)
from ims.services.quotas import QuotaUsage, lock_quota, private_images_left, quota_usage
from ims.services.removal import (
    DeleteResult,
    image_delete,
    image_delete_refusal,
    image_members_delete,
    images_delete,
    images_members_delete,
)
from ims.services.replication import image_replicate, image_replication_finish
from ims.services.sharing import (
    MAX_PROJECT_IDS_PER_SHARE,
    ShareResult,
    image_share,
    image_share_refusal,
    normalize_project_ids,
)
from ims.services.tags import (
    MAX_TAGS_PER_IMAGE,
    TAG_KEY_RULE,
    TAG_VALUE_RULE,
    clean_tag,
    image_tag_add,
    image_tag_delete,
)
from ims.services.use import (
    USE_IMAGE_TYPES,
    image_lock_for_use,
    image_use_refusal,
    system_disk_min_gb,
)

__all__ = [
    "DESCRIPTION_RULE",
    "MAX_MEMORY_CHOICES_MB",
    "MEMORY_IMAGE_TYPES",
    "MIN_MEMORY_CHOICES_MB",
    "image_description_refusal",
    "image_memory_refusal",
    "image_modify",
    "image_modify_refusal",
    "image_name_refusal",
    "memory_label",
    "IMAGE_NAME_RE",
    "IMAGE_NAME_RULE",
    "MAX_PROJECT_IDS_PER_SHARE",
    "MAX_TAGS_PER_IMAGE",
    "TAG_KEY_RULE",
    "TAG_VALUE_RULE",
    "QuotaUsage",
    "USE_IMAGE_TYPES",
    "ShareAnswer",
    "ShareResult",
    "clean_tag",
    "full_ecs_required_gb",
    "image_create_from_disks",
    "image_create_from_file",
    "image_creation_finish",
    "DeleteResult",
    "image_delete",
    "image_delete_refusal",
    "images_delete",
    "image_lock_for_use",
    "image_members_delete",
    "images_members_delete",
    "image_replicate",
    "image_replication_finish",
    "image_share",
    "image_share_refusal",
    "image_tag_add",
    "image_tag_delete",
    "image_use_refusal",
    "lock_quota",
    "normalize_project_ids",
    "member_backups_release",
    "private_images_left",
    "quota_usage",
    "shares_accept",
    "shares_reject",
    "system_disk_min_gb",
]
