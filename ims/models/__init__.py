"""The IMS app's models, one module per subdomain; import them from `ims.models`."""

from ims.models.images import Image, ImageBackup, ImageQuerySet, ImageTag
from ims.models.jobs import Job
from ims.models.members import ImageMember, ImageMemberQuerySet, MemberBackup
from ims.models.quotas import ImageQuota

__all__ = [
    "Image",
    "ImageBackup",
    "ImageMember",
    "ImageMemberQuerySet",
    "ImageQuerySet",
    "ImageQuota",
    "ImageTag",
    "Job",
    "MemberBackup",
]
