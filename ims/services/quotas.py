"""IMS quotas of a project (reference §10.7): private images, shared images, image members.

A share still pending does not consume the sharer's sharing quota (reference §2): an image
counts as shared, and a member as used, once a recipient has accepted or rejected it. A
submission is refused when the images and members it adds would exceed what is left. The
services that create images or members lock the project's row first, so two requests of
one project cannot both pass the last free unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from console.errors import ConsoleError, ImsError
from console.models import Project
from ims.models import Image, ImageMember, ImageQuota


def quota_of(project: Project) -> ImageQuota:
    """The project's quota row, or an unsaved one with the defaults."""
    return ImageQuota.objects.filter(project=project).first() or ImageQuota(project=project)


def _answered_members(project: Project):
    return ImageMember.objects.filter(image__owner=project).exclude(
        status=ImageMember.Status.PENDING
    )


def shared_image_ids(project: Project) -> set[object]:
    """The project's images that consume the shared-image quota."""
    return set(_answered_members(project).values_list("image_id", flat=True).distinct())


def _shared_images_used(project: Project) -> int:
    return _answered_members(project).values("image_id").distinct().count()


def _members_used(project: Project) -> int:
    return _answered_members(project).count()


@dataclass(frozen=True)
class QuotaUsage:
    """One line of the quota API: a resource type, what is used, the quota and its bounds."""

    type: str
    used: int
    quota: int
    min: int
    max: int

    @property
    def left(self) -> int:
        """How many more may be created."""
        return max(self.quota - self.used, 0)


def quota_usage(project: Project) -> list[QuotaUsage]:
    """The project's quotas as `GET /v1/cloudimages/quota` lists them (three queries)."""
    quota = quota_of(project)
    return [
        QuotaUsage(
            "image",
            Image.objects.owned_by(project).count(),
            quota.images,
            ImageQuota.MIN,
            ImageQuota.MAX,
        ),
        QuotaUsage(
            "image_shared",
            _shared_images_used(project),
            quota.shared_images,
            ImageQuota.MIN,
            ImageQuota.MAX,
        ),
        QuotaUsage(
            "image_member",
            _members_used(project),
            quota.image_members,
            ImageQuota.MIN,
            ImageQuota.MAX_MEMBERS,
        ),
    ]


def private_images_left(project: Project) -> int:
    """How many more private images the project can create (the Private Images hint)."""
    return max(quota_of(project).images - Image.objects.owned_by(project).count(), 0)


class LockedQuota:
    """A project's quotas, read after locking the project's row (inside a service)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.limits = quota_of(project)

    def ensure_private_images(self, *, adding: int) -> None:
        """Refuse creating `adding` private images beyond the quota."""
        used = Image.objects.owned_by(self.project).count()
        if used + adding > self.limits.images:
            raise ImsError(
                "IMG.0015",
                str(
                    _(
                        "The private image quota is used up: this project has %(used)d of "
                        "%(quota)d private images. Delete images you no longer need or ask "
                        "for a higher quota."
                    )
                    % {"used": used, "quota": self.limits.images}
                ),
            )

    def sharing_refusals(self, *, new_images: int, new_members: int) -> list[ConsoleError]:
        """Why sharing `new_images` more images with `new_members` more members is refused."""
        refusals: list[ConsoleError] = []
        shared = _shared_images_used(self.project)
        if new_images and shared + new_images > self.limits.shared_images:
            refusals.append(
                ImsError(
                    "IMG.0088",
                    str(
                        _(
                            "%(used)d images of this project count as shared (a recipient "
                            "accepted or rejected them) and its quota is %(quota)d; this "
                            "submission would share %(new)d more."
                        )
                        % {"used": shared, "quota": self.limits.shared_images, "new": new_images}
                    ),
                )
            )
        members = _members_used(self.project)
        if new_members and members + new_members > self.limits.image_members:
            refusals.append(
                ConsoleError(
                    str(
                        _(
                            "The image member quota would be exceeded: %(used)d recipients "
                            "accepted or rejected images of this project and its quota is "
                            "%(quota)d; this submission would add %(new)d."
                        )
                        % {"used": members, "quota": self.limits.image_members, "new": new_members}
                    )
                )
            )
        return refusals


def lock_quota(project: Project) -> LockedQuota:
    """Lock the project's row and read its quotas (call first in the service).

    FOR NO KEY UPDATE: it serializes the project's quota checks but not the rows that refer
    to the project (audit traces, messages, shares), whose key checks would otherwise wait
    for it while holding locks further down the lock order (see ims/services/__init__.py).
    """
    list(
        Project.objects.select_for_update(no_key=True)
        .filter(pk=project.pk)
        .values_list("pk", flat=True)
    )
    return LockedQuota(project)
