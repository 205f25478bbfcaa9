"""Images, the disk backups a full-ECS image was made from, and their tags."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.kms.models import Key, KeyGrant
from console.models import DiskRole, Project, Region, Tenant
from ims.store import files


def _key_granted(key: OuterRef, tenant: Tenant | int) -> Exists:
    """Whether `tenant` holds a grant on `key` (D10), as a subquery."""
    return Exists(KeyGrant.objects.filter(key=key, grantee=tenant))


def backup_total(image: OuterRef) -> Coalesce:
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
        from ims.models.members import ImageMember  # the members module builds on this one

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
        return self.annotate(backup_total_gb=backup_total(OuterRef("pk")))


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
        DEACTIVATED = "deactivated", _("Deactivated")

    class Visibility(models.TextChoices):
        # Empty: the console's images, private until shared (see ims.api.docs.visibility_of).
        DERIVED = "", "—"
        PRIVATE = "private", _("Private")
        SHARED = "shared", _("Shared")
        COMMUNITY = "community", _("Community")
        PUBLIC = "public", _("Public")

    class FullEcsSource(models.TextChoices):
        NONE = "", "—"
        CBR = "cbr", _("CBR backup")
        CSBS = "csbs", _("CSBS backup")

    class DiskFormat(models.TextChoices):
        VHD = "vhd", "VHD"
        ZVHD = "zvhd", "ZVHD"
        ZVHD2 = "zvhd2", "ZVHD2"
        VMDK = "vmdk", "VMDK"
        QCOW2 = "qcow2", "QCOW2"
        RAW = "raw", "RAW"
        VHDX = "vhdx", "VHDX"
        QED = "qed", "QED"
        VDI = "vdi", "VDI"
        QCOW = "qcow", "QCOW"
        ISO = "iso", "ISO"

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
    # Memory a server started from the image must have, in MB as the API keeps it; 0 means
    # Unlimited (ims.services.attributes holds the choices).
    min_ram = models.PositiveIntegerField("minimum memory (MB)", default=0)
    max_ram = models.PositiveIntegerField("maximum memory (MB)", default=0)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    disk_format = models.CharField(max_length=8, choices=DiskFormat.choices, default="zvhd2")
    # The image's file in the image store (ims.store), measured as it streamed in; empty
    # for images that hold none (made from a server, a disk or a backup).
    file_name = models.CharField("file in the image store", max_length=255, blank=True)
    file_size = models.BigIntegerField("file size (bytes)", null=True, blank=True)
    checksum = models.CharField("MD5", max_length=32, blank=True)
    os_hash_value = models.CharField("SHA-512", max_length=128, blank=True)
    # Glance's attributes, set through the image API (ims.services.glance).
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.DERIVED, blank=True
    )
    protected = models.BooleanField(default=False, help_text="A protected image cannot be deleted.")
    os_hidden = models.BooleanField("hidden", default=False)
    container_format = models.CharField(max_length=16, default="bare")
    properties = models.JSONField(
        "custom properties", default=dict, blank=True, help_text="Glance's extra properties."
    )
    updated = models.DateTimeField(auto_now=True)

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
    # The copy an owner's full-ECS image keeps in a server backup vault, released with it.
    vault_backup = models.OneToOneField(
        "vaults.Backup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="image_backup",
    )

    class Meta:
        ordering = ["image", "device"]
        constraints = [
            models.CheckConstraint(condition=Q(size_gb__gt=0), name="image_backup_size_positive"),
            models.UniqueConstraint(fields=["image", "device"], name="image_backup_device_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.image.name} {self.get_role_display()} {self.device} ({self.size_gb} GB)"


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


@receiver(post_delete, sender=Image)
def _file_goes_with_its_image(sender, instance: Image, **kwargs) -> None:
    # Whichever way the row goes (a service, a cascade, Django admin), its file follows
    # once the deletion commits; a rollback keeps both.
    files.delete_on_commit(instance.file_name)
