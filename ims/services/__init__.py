"""IMS services: every state change of images and image members goes through here.

One module per subdomain; the public names are re-exported so callers import `ims.services`.
"""

from ims.services.answers import (
    ShareAnswer,
    full_ecs_required_gb,
    member_backups_release,
    shares_accept,
    shares_reject,
)
from ims.services.replication import IMAGE_NAME_RE, IMAGE_NAME_RULE, image_replicate
from ims.services.sharing import (
    MAX_PROJECT_IDS_PER_SHARE,
    ShareResult,
    image_delete,
    image_members_delete,
    image_share,
    image_share_refusal,
    normalize_project_ids,
)
from ims.services.use import (
    USE_IMAGE_TYPES,
    image_lock_for_use,
    image_use_refusal,
    system_disk_min_gb,
)

__all__ = [
    "IMAGE_NAME_RE",
    "IMAGE_NAME_RULE",
    "MAX_PROJECT_IDS_PER_SHARE",
    "USE_IMAGE_TYPES",
    "ShareAnswer",
    "ShareResult",
    "full_ecs_required_gb",
    "image_delete",
    "image_lock_for_use",
    "image_members_delete",
    "image_replicate",
    "image_share",
    "image_share_refusal",
    "image_use_refusal",
    "normalize_project_ids",
    "member_backups_release",
    "shares_accept",
    "shares_reject",
    "system_disk_min_gb",
]
