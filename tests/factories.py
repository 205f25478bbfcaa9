"""factory-boy factories for every model."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from console.audit.models import Message, Trace
from console.compute.models import Disk, Server
from console.iam.models import AccessKey, ApiToken
from console.iam.services import TOKEN_LIFETIME, secret_encrypt
from console.ids import new_hex32
from console.kms.models import Key, KeyGrant
from console.models import Project, Region, Tenant, User
from ims.models import Image, ImageBackup, ImageMember, ImageQuota, ImageTag, Job, MemberBackup
from vaults.models import Backup, Vault


class RegionFactory(DjangoModelFactory[Region]):
    code = factory.Sequence(lambda n: f"xx-{n:02d}")
    name = factory.Sequence(lambda n: f"Region {n}")
    availability_zones = factory.LazyAttribute(lambda r: [f"{r.code}-01", f"{r.code}-02"])

    class Meta:
        model = Region
        django_get_or_create = ["code"]


class TenantFactory(DjangoModelFactory[Tenant]):
    name = factory.Sequence(lambda n: f"Tenant {n}")
    account_id = factory.LazyFunction(new_hex32)

    class Meta:
        model = Tenant


class ProjectFactory(DjangoModelFactory[Project]):
    tenant = factory.SubFactory(TenantFactory)
    region = factory.SubFactory(RegionFactory)
    project_id = factory.LazyFunction(new_hex32)
    name = factory.LazyAttribute(lambda p: p.region.code)

    class Meta:
        model = Project


class UserFactory(DjangoModelFactory[User]):
    username = factory.Sequence(lambda n: f"user{n}")
    tenant = factory.SubFactory(TenantFactory)
    role = User.Role.ADMIN
    password = factory.django.Password("console-demo")

    class Meta:
        model = User
        skip_postgeneration_save = True


class KeyFactory(DjangoModelFactory[Key]):
    project = factory.SubFactory(ProjectFactory)
    alias = factory.Sequence(lambda n: f"key-{n}")

    class Meta:
        model = Key


class KeyGrantFactory(DjangoModelFactory[KeyGrant]):
    key = factory.SubFactory(KeyFactory)
    grantee = factory.SubFactory(TenantFactory)
    operations = factory.LazyFunction(lambda: sorted(KeyGrant.REQUIRED_FOR_SHARING))

    class Meta:
        model = KeyGrant


class ImageFactory(DjangoModelFactory[Image]):
    owner = factory.SubFactory(ProjectFactory)
    region = factory.LazyAttribute(lambda i: i.owner.region if i.owner else RegionFactory())
    name = factory.Sequence(lambda n: f"image-{n}")
    image_type = Image.ImageType.SYSTEM
    os_type = Image.OsType.LINUX
    os = "Ubuntu 22.04 server 64bit"
    min_disk_gb = 40
    size_gb = "2.50"

    class Meta:
        model = Image

    class Params:
        full_ecs = factory.Trait(image_type=Image.ImageType.FULL_ECS, full_ecs_source="cbr")
        data_disk = factory.Trait(image_type=Image.ImageType.DATA, os_type="Other", os="-")


class ImageBackupFactory(DjangoModelFactory[ImageBackup]):
    image = factory.SubFactory(ImageFactory, full_ecs=True)
    role = ImageBackup.Role.SYSTEM
    device = factory.Sequence(lambda n: f"/dev/vd{n}")
    size_gb = 40

    class Meta:
        model = ImageBackup


class ImageTagFactory(DjangoModelFactory[ImageTag]):
    image = factory.SubFactory(ImageFactory)
    key = factory.Sequence(lambda n: f"key-{n}")
    value = "prod"

    class Meta:
        model = ImageTag


class ImageQuotaFactory(DjangoModelFactory[ImageQuota]):
    project = factory.SubFactory(ProjectFactory)

    class Meta:
        model = ImageQuota


class ImageMemberFactory(DjangoModelFactory[ImageMember]):
    image = factory.SubFactory(ImageFactory)
    project = factory.SubFactory(ProjectFactory, region=factory.SelfAttribute("..image.region"))
    status = ImageMember.Status.PENDING

    class Meta:
        model = ImageMember


class VaultFactory(DjangoModelFactory[Vault]):
    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"vault-{n}")
    resource_type = Vault.ResourceType.SERVER
    protection_type = Vault.ProtectionType.BACKUP
    capacity_gb = 200

    class Meta:
        model = Vault


class BackupFactory(DjangoModelFactory[Backup]):
    """A vault backup of an accepted full-ECS share: the vault's row and the share's link."""

    vault = factory.SubFactory(VaultFactory)
    member = factory.SubFactory(
        ImageMemberFactory,
        project=factory.SelfAttribute("..vault.project"),
        image__full_ecs=True,
        image__region=factory.SelfAttribute("..project.region"),
        status=ImageMember.Status.ACCEPTED,
    )
    source = factory.SubFactory(ImageBackupFactory, image=factory.SelfAttribute("..member.image"))
    project = factory.SelfAttribute("vault.project")
    name = factory.LazyAttribute(lambda b: f"{b.member.image.name} {b.source.role} disk")
    role = factory.SelfAttribute("source.role")
    size_gb = factory.SelfAttribute("source.size_gb")

    class Meta:
        model = Backup

    @classmethod
    def _create(cls, model_class, *args, member, source, **kwargs):
        backup = super()._create(model_class, *args, **kwargs)
        MemberBackup.objects.create(backup=backup, member=member, source=source)
        backup.member, backup.source = member, source
        return backup


class ServerFactory(DjangoModelFactory[Server]):
    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"ecs-{n}")
    image_name = "Standard_Ubuntu_22.04_latest"
    availability_zone = factory.LazyAttribute(lambda s: f"{s.project.region.code}-01")
    flavor = "s3.medium.2"

    class Meta:
        model = Server


class DiskFactory(DjangoModelFactory[Disk]):
    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"volume-{n}")
    size_gb = 100
    availability_zone = factory.LazyAttribute(lambda d: f"{d.project.region.code}-01")

    class Meta:
        model = Disk


class MessageFactory(DjangoModelFactory[Message]):
    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Message {n}")

    class Meta:
        model = Message


class TraceFactory(DjangoModelFactory[Trace]):
    project = factory.SubFactory(ProjectFactory)
    tenant = factory.SelfAttribute("project.tenant")
    operation = "addMember"
    resource_type = "image"

    class Meta:
        model = Trace


class MemberBackupFactory(DjangoModelFactory[MemberBackup]):
    """The link of a share to one of its vault backups (made with the backup)."""

    class Meta:
        model = MemberBackup

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return BackupFactory(**kwargs).share


class ApiTokenFactory(DjangoModelFactory[ApiToken]):
    user = factory.SubFactory(UserFactory)
    project = factory.LazyAttribute(lambda t: ProjectFactory(tenant=t.user.tenant))
    digest = factory.Sequence(lambda n: f"{n:064x}")
    audit_id = factory.Sequence(lambda n: f"audit{n}")
    issued = factory.LazyFunction(timezone.now)
    expires = factory.LazyAttribute(lambda t: t.issued + TOKEN_LIFETIME)
    password_fingerprint = factory.LazyAttribute(lambda t: t.user.get_session_auth_hash())

    class Meta:
        model = ApiToken


class AccessKeyFactory(DjangoModelFactory[AccessKey]):
    user = factory.SubFactory(UserFactory)
    access_key = factory.Sequence(lambda n: f"AK{n:018d}")
    secret_encrypted = factory.LazyFunction(lambda: secret_encrypt("s" * 40))

    class Meta:
        model = AccessKey


class JobFactory(DjangoModelFactory[Job]):
    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..project.tenant"))
    job_type = Job.JobType.ADD
    request = factory.LazyFunction(lambda: {"images": [], "projects": []})

    class Meta:
        model = Job
