"""Images, their full-ECS backups, and image members (sharing)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.kms.models import Key, KeyGrant
from console.models import DiskRole, Project, Region, Tenant
from vaults.models import Backup


def _key_granted(key: OuterRef, tenant: Tenant | int) -> Exists:
    """Whether `tenant` holds a grant on `key` (D10), as a subquery."""
    return Exists(KeyGrant.objects.filter(key=key, grantee=tenant))


def _backup_total(image: OuterRef) -> Coalesce:
    """The sum of an image's disk backups, as a subquery.

    Correlated rather than joined and grouped: it is computed for the rows of the page only,
    and a count of the list need not group every row the project holds.
    """
    totals = (
        ImageBackup.objects.filter(image=image)
        .order_by()
        .values("image")
        .annotate(total=Sum("size_gb"))
        .values("total")
    )
    return Coalesce(Subquery(totals), 0)


class ImageQuerySet(models.QuerySet):
    """Image lookups, scoped to what a project may see."""

    def public(self, region: Region) -> ImageQuerySet:
        """The platform's public images of a region."""
        return self.filter(owner__isnull=True, region=region)

    def owned_by(self, project: Project) -> ImageQuerySet:
        """A project's private images."""
        return self.filter(owner=project)

    def shared_with(self, project: Project, status: str = "accepted") -> ImageQuerySet:
        """Images other projects shared with this project, in one member status."""
        return self.filter(members__project=project, members__status=status)

    def visible_to(self, project: Project) -> ImageQuerySet:
        """Every image the project may look at: public, its own, and shared in any state."""
        return self.filter(
            Q(owner__isnull=True, region=project.region_id)
            | Q(owner=project)
            | Q(members__project=project)
        ).distinct()

    def usable_by(self, project: Project) -> ImageQuerySet:
        """Images the project may create servers or disks from (accepted shares only)."""
        return self.filter(
            Q(owner__isnull=True, region=project.region_id)
            | Q(owner=project)
            | Q(members__project=project, members__status=ImageMember.Status.ACCEPTED)
        ).distinct()

    def with_key_access(self, tenant: Tenant | int) -> ImageQuerySet:
        """Annotate `key_granted`: whether `tenant` holds a grant on the image's key."""
        return self.annotate(key_granted=_key_granted(OuterRef("kms_key"), tenant))

    def with_backup_total(self) -> ImageQuerySet:
        """Annotate `backup_total_gb`: the sum of a full-ECS image's disk backups."""
        return self.annotate(backup_total_gb=_backup_total(OuterRef("pk")))


class Image(models.Model):
    """A public or private image; private images may be shared with other projects."""

    class ImageType(models.TextChoices):
        SYSTEM = "system", _("ECS system disk image")
        DATA = "data", _("ECS data disk image")
        FULL_ECS = "full_ecs", _("Full-ECS image")
        ISO = "iso", _("ISO image")

    class OsType(models.TextChoices):
        LINUX = "Linux", _("Linux")
        WINDOWS = "Windows", _("Windows")
        OTHER = "Other", _("Other")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SAVING = "saving", _("Creating")
        ACTIVE = "active", _("Normal")
        ERROR = "error", pgettext_lazy("image status", "Error")

    class FullEcsSource(models.TextChoices):
        NONE = "", "—"
        CBR = "cbr", _("CBR backup")
        CSBS = "csbs", _("CSBS backup")

    MAX_MEMBERS = {ImageType.FULL_ECS: 10}
    DEFAULT_MAX_MEMBERS = 256
    MAX_REPLICATION_GB = 128

    id = models.UUIDField("image ID", primary_key=True, default=uuid.uuid4, editable=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="images")
    owner = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="images",
        help_text="Empty for the platform's public images.",
    )
    name = models.CharField(max_length=128)
    image_type = models.CharField(max_length=16, choices=ImageType.choices)
    os_type = models.CharField("OS type", max_length=16, choices=OsType.choices)
    os = models.CharField("OS", max_length=128)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(
        max_length=255, blank=True, help_text="Why the image is in Error status."
    )
    min_disk_gb = models.PositiveIntegerField(
        "disk capacity (GB)", default=40, help_text="Minimum disk size a server or disk needs."
    )
    size_gb = models.DecimalField("image size (GB)", max_digits=8, decimal_places=2, default=0)
    kms_key = models.ForeignKey(
        Key,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="images",
        verbose_name="KMS key",
    )
    full_ecs_source = models.CharField(
        "full-ECS source", max_length=8, choices=FullEcsSource.choices, default="", blank=True
    )
    source_image = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replicas",
        help_text="The image this one was replicated from.",
    )
    description = models.CharField(max_length=1024, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "name"]
        # In the orders the Private and Public Images lists use, so a page reads ten rows.
        indexes = [
            models.Index(fields=["owner", "-created", "name", "id"], name="image_private_list"),
            models.Index(
                fields=["region", "name", "id"],
                condition=Q(owner__isnull=True),
                name="image_public_list",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_disk_gb__gt=0), name="image_disk_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(image_type="full_ecs", full_ecs_source__in=["cbr", "csbs"])
                | (~Q(image_type="full_ecs") & Q(full_ecs_source="")),
                name="image_full_ecs_source_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(kms_key__isnull=True),
                name="public_image_not_encrypted",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A private image lives in its owner's region; its key belongs to its owner."""
        if self.owner_id and self.region_id and self.owner.region_id != self.region_id:
            raise ValidationError({"region": _("A private image lives in its owner's region.")})
        if self.kms_key_id and self.owner_id and self.kms_key.project_id != self.owner_id:
            raise ValidationError({"kms_key": _("The key must belong to the image's owner.")})

    @property
    def encrypted(self) -> bool:
        """Whether the image is encrypted with a KMS key."""
        return self.kms_key_id is not None

    @property
    def is_public(self) -> bool:
        """Whether the image belongs to the platform."""
        return self.owner_id is None

    def unavailable_reason(self, tenant_id: int, *, key_granted: bool | None = None) -> str:
        """Why `tenant_id` cannot use the image now (D10), or "" when it can.

        An encrypted image needs an enabled key, and a recipient also needs the owner's
        grant on it; `key_granted` passes a value annotated by `with_key_access()`.
        """
        if self.status != self.Status.ACTIVE:
            return format_lazy(
                _("Its status is {status}, not Normal."), status=self.get_status_display()
            )
        if self.kms_key_id is None:
            return ""
        key = self.kms_key
        if key.state == Key.State.DISABLED:
            return _("The KMS key it is encrypted with is disabled.")
        if key.state == Key.State.PENDING_DELETION:
            return _("The KMS key it is encrypted with is scheduled for deletion.")
        if self.owner is not None and self.owner.tenant_id == tenant_id:
            return ""
        if key_granted is None:
            key_granted = key.grants.filter(grantee_id=tenant_id).exists()
        if not key_granted:
            return _(
                "The owner no longer grants your account access to the KMS key it is "
                "encrypted with."
            )
        return ""

    def available_to(self, tenant_id: int, *, key_granted: bool | None = None) -> bool:
        """Whether `tenant_id` can use the image now (D10)."""
        return not self.unavailable_reason(tenant_id, key_granted=key_granted)

    @property
    def max_members(self) -> int:
        """How many projects the image may be shared with."""
        return self.MAX_MEMBERS.get(self.image_type, self.DEFAULT_MAX_MEMBERS)

    @property
    def disk_capacity_display(self) -> str:
        """Disk capacity as the console shows it ("--" for full-ECS images)."""
        return "--" if self.image_type == self.ImageType.FULL_ECS else str(self.min_disk_gb)


class ImageBackup(models.Model):
    """A disk backup a full-ECS image was created from (system disk or data disk)."""

    Role = DiskRole

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="backups")
    role = models.CharField(max_length=8, choices=Role.choices)
    device = models.CharField(max_length=16, default="/dev/vda")
    size_gb = models.PositiveIntegerField("size (GB)")

    class Meta:
        ordering = ["image", "device"]
        constraints = [
            models.CheckConstraint(condition=Q(size_gb__gt=0), name="image_backup_size_positive"),
            models.UniqueConstraint(fields=["image", "device"], name="image_backup_device_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.image.name} {self.get_role_display()} {self.device} ({self.size_gb} GB)"


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
        return self.annotate(backup_total_gb=_backup_total(OuterRef("image")))


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


class ImageTag(models.Model):
    """A key/value tag of a private image, set by its owner; recipients see and search it."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=36)
    value = models.CharField(max_length=43, blank=True)

    class Meta:
        ordering = ["image", "key"]
        constraints = [
            models.UniqueConstraint(fields=["image", "key"], name="image_tag_key_unique"),
        ]
        # Search by Tag looks up a key, or a key and a value, then joins the images.
        indexes = [models.Index(fields=["key", "value"], name="image_tag_search")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ImageQuota(models.Model):
    """A project's IMS quotas (reference §10.7); a project without a row has the defaults.

    Only `image` (20, from 1 to 1000) is documented; the other defaults are chosen so they
    never bind before the documented limits do (every private image shared, each with 256).
    """

    DEFAULTS = {"images": 20, "shared_images": 20, "image_members": 20 * 256}
    MIN, MAX = 1, 1000
    MAX_MEMBERS = 1000 * 256

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="image_quota"
    )
    images = models.PositiveIntegerField(
        "private images",
        default=DEFAULTS["images"],
        validators=[MinValueValidator(MIN), MaxValueValidator(MAX)],
        help_text="Quota type image: private images of the project, in any status.",
    )
    shared_images = models.PositiveIntegerField(
        "shared images",
        default=DEFAULTS["shared_images"],
        validators=[MinValueValidator(MIN), MaxValueValidator(MAX)],
        help_text="Quota type image_shared: private images with at least one recipient "
        "that accepted or rejected them (pending shares do not count).",
    )
    image_members = models.PositiveIntegerField(
        "image members",
        default=DEFAULTS["image_members"],
        validators=[MinValueValidator(MIN), MaxValueValidator(MAX_MEMBERS)],
        help_text="Quota type image_member: recipients of the project's images that "
        "accepted or rejected them, counted once per image.",
    )

    class Meta:
        verbose_name = "image quota"

    def __str__(self) -> str:
        return f"IMS quota of {self.project}"


# The API's job model lives with the API; importing it here registers it with the app.
from ims.api.models import Job  # noqa: E402, F401
