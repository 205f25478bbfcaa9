"""Image members: an image shared with a project, and the backups an accepted share stores."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from console.kms.models import KeyGrant
from console.models import Project, Tenant
from ims.models.images import Image, ImageBackup, backup_total
from vaults.models import Backup


class ImageMemberQuerySet(models.QuerySet):
    """Image member (share) lookups."""

    def for_project(self, project: Project) -> ImageMemberQuerySet:
        """Shares received by a project."""
        return self.filter(project=project)

    def pending(self) -> ImageMemberQuerySet:
        """Shares waiting for an answer."""
        return self.filter(status=ImageMember.Status.PENDING)

    def accepted(self) -> ImageMemberQuerySet:
        """Accepted shares."""
        return self.filter(status=ImageMember.Status.ACCEPTED)

    def rejected(self) -> ImageMemberQuerySet:
        """Rejected shares."""
        return self.filter(status=ImageMember.Status.REJECTED)

    def with_image(self) -> ImageMemberQuerySet:
        """Join what the lists show: the image, its owner tenant, its key."""
        return self.select_related("project", "image", "image__owner__tenant", "image__kms_key")

    def with_key_access(self, tenant: Tenant | int) -> ImageMemberQuerySet:
        """Annotate `key_granted`: whether `tenant` holds a grant on the image's key.

        The subquery reaches the key from the member's image ID, so the list's count (which
        drops the annotation) does not join the images.
        """
        grants = KeyGrant.objects.filter(key__images=OuterRef("image"), grantee=tenant)
        return self.annotate(key_granted=Exists(grants))

    def with_backup_total(self) -> ImageMemberQuerySet:
        """Annotate `backup_total_gb`: the sum of a full-ECS image's disk backups."""
        return self.annotate(backup_total_gb=backup_total(OuterRef("image")))


class ImageMember(models.Model):
    """An image shared with a project, with the recipient's answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="members")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="image_members")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    vault = models.ForeignKey(
        "vaults.Vault",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="image_members",
        help_text="Where a full-ECS image's backups were stored on accepting.",
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ImageMemberQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        # The recipient's lists filter on project and status and page in these orders
        # (accepted and rejected by -updated, the pending banner by -created); read
        # backwards, an index returns a page without sorting the project's shares.
        indexes = [
            models.Index(fields=["project", "status", "updated", "id"], name="member_answer_list"),
            models.Index(fields=["project", "status", "created", "id"], name="member_banner"),
            models.Index(fields=["image", "created", "id"], name="member_recipients"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["image", "project"], name="one_member_per_project"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="member_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.image.name} → {self.project.project_id} ({self.status})"

    @property
    def unavailable_reason(self) -> str:
        """Why the recipient cannot use the image now (D10); needs `with_key_access()`."""
        return self.image.unavailable_reason(
            self.project.tenant_id, key_granted=getattr(self, "key_granted", None)
        )

    @property
    def available(self) -> bool:
        """Whether the recipient can use the image now (D10)."""
        return not self.unavailable_reason


class MemberBackup(models.Model):
    """Which vault backup holds which disk backup of an accepted full-ECS share.

    The vault's own row (`vaults.Backup`) carries the size; the share's services release it
    through `vaults.services.backups_release` when the share goes (D5) and then delete the
    links (`ims.services.member_backups_release`). The link does not cascade from the backup in
    Python: then releasing any number of backups is one DELETE, not a read of the links and
    a DELETE per hundred backups. The foreign key still holds at commit.
    """

    backup = models.OneToOneField(
        Backup, on_delete=models.DO_NOTHING, primary_key=True, related_name="share"
    )
    member = models.ForeignKey(ImageMember, on_delete=models.CASCADE, related_name="backups")
    source = models.ForeignKey(ImageBackup, on_delete=models.CASCADE, related_name="stored_copies")

    class Meta:
        ordering = ["member", "source"]
        constraints = [
            models.UniqueConstraint(fields=["member", "source"], name="backup_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.source} for {self.member.project.project_id}"
