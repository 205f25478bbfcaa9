"""Create the demo world: regions, three tenants, images, shares, vaults, keys, a server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from console.audit.models import Message, Trace
from console.audit.notifications import stored_text
from console.compute.models import Disk, Server
from console.ids import stable_hex32
from console.kms.models import Key, KeyGrant
from console.models import Project, Region, Tenant, User
from ims.models import Image, ImageBackup, ImageMember
from ims.services.sharing import SHARED_KIND
from vaults.models import Vault

PASSWORD = "console-demo"
REGIONS = [
    ("eu-de", "EU-Germany", True, ["eu-de-01", "eu-de-02", "eu-de-03"]),
    ("eu-nl", "EU-Netherlands", False, ["eu-nl-01", "eu-nl-02", "eu-nl-03"]),
]
TENANTS = ["Acme Images", "Beta Apps", "Gamma Labs"]
USERS = [
    ("alice", "Acme Images", User.Role.ADMIN),
    ("bob", "Beta Apps", User.Role.ADMIN),
    ("bea", "Beta Apps", User.Role.READONLY),
    ("carol", "Gamma Labs", User.Role.ADMIN),
]
PUBLIC_IMAGES = [
    ("Standard_Ubuntu_22.04_latest", "Linux", "Ubuntu 22.04 server 64bit", 10),
    ("Standard_Debian_12_latest", "Linux", "Debian GNU/Linux 12 64bit", 10),
    ("Standard_CentOS_7_latest", "Linux", "CentOS 7.9 64bit", 20),
    ("Standard_Windows_2022_DC_latest", "Windows", "Windows Server 2022 Datacenter 64bit", 40),
]
# name, type, os type, OS, disk capacity (GB), image size (GB)
ACME_DE_IMAGES = [
    ("ubuntu-22-web", "system", "Linux", "Ubuntu 22.04 server 64bit", 40, "3.21"),
    ("win2022-sql", "system", "Windows", "Windows Server 2022 Standard 64bit", 60, "18.40"),
    ("data-archive", "data", "Other", "-", 100, "12.75"),
    ("full-ecs-app", "full_ecs", "Linux", "Ubuntu 22.04 server 64bit", 40, "0"),
    ("enc-ubuntu", "system", "Linux", "Ubuntu 22.04 server 64bit", 40, "3.05"),
    ("legacy-centos7", "system", "Linux", "CentOS 7.9 64bit", 40, "2.60"),
    ("big-analytics", "system", "Linux", "Ubuntu 22.04 server 64bit", 200, "150.00"),
]
BETA_DE_SHARES = {
    ImageMember.Status.PENDING: [
        "ubuntu-22-web",
        "data-archive",
        "full-ecs-app",
        "enc-ubuntu",
        "big-analytics",
    ],
    ImageMember.Status.ACCEPTED: ["win2022-sql"],
    ImageMember.Status.REJECTED: ["legacy-centos7"],
}
BETA_DE_VAULTS = [
    ("vault-backup-200", "server", "backup", 200),
    ("vault-backup-50", "server", "backup", 50),
    ("vault-replication", "server", "replication", 500),
    ("vault-disk", "disk", "backup", 500),
]


class Command(BaseCommand):
    """Create (or with --reset recreate) the demo world; a second run changes nothing."""

    help = "Create the demo world of tenants, images, shares and vaults (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        """Add --reset."""
        parser.add_argument("--reset", action="store_true", help="Wipe and recreate it.")
        parser.add_argument(
            "--force", action="store_true", help="Seed even where DJANGO_DEMO is false."
        )
        parser.add_argument(
            "--if-demo",
            action="store_true",
            help="Where DJANGO_DEMO is false, say so and do nothing instead of failing.",
        )

    @transaction.atomic
    def handle(
        self,
        *args: Any,
        reset: bool = False,
        force: bool = False,
        if_demo: bool = False,
        **options: Any,
    ) -> None:
        """Seed the demo world."""
        if not settings.DEMO and not force and if_demo:
            self.stdout.write("DJANGO_DEMO is false: no demo world is seeded.")
            return
        if not settings.DEMO and not force:
            # Its users share one published password: not for an install that is no demo.
            raise CommandError(
                "DJANGO_DEMO is false: this is not a demo install, so seed_demo does not run. "
                "Use --force to seed the demo world (and its published password) anyway."
            )
        if reset:
            self._wipe()
        regions = {
            code: self._region(code, name, default, zones) for code, name, default, zones in REGIONS
        }
        tenants = {name: self._tenant(name) for name in TENANTS}
        projects = {
            (t, code): self._project(tenants[t], region)
            for t in TENANTS
            for code, region in regions.items()
        }
        for project in projects.values():
            Key.objects.get_or_create(
                project=project, alias="ims/default", defaults={"is_default": True}
            )
        self._users(tenants)
        public = self._public_images(regions)

        acme_de, acme_nl = projects["Acme Images", "eu-de"], projects["Acme Images", "eu-nl"]
        beta_de, beta_nl = projects["Beta Apps", "eu-de"], projects["Beta Apps", "eu-nl"]
        acme_cmk, _ = Key.objects.get_or_create(
            project=acme_de, alias="acme-cmk", defaults={"description": "Acme image key"}
        )
        Key.objects.get_or_create(
            project=beta_de, alias="beta-cmk", defaults={"description": "Beta Apps' own key"}
        )
        KeyGrant.objects.get_or_create(
            key=acme_cmk,
            grantee=tenants["Beta Apps"],
            defaults={"operations": sorted(KeyGrant.REQUIRED_FOR_SHARING)},
        )

        images = {}
        for name, image_type, os_type, os_name, disk, size in ACME_DE_IMAGES:
            images[name] = self._image(
                acme_de,
                name,
                image_type=image_type,
                os_type=os_type,
                os=os_name,
                min_disk_gb=disk,
                size_gb=size,
                full_ecs_source="cbr" if image_type == "full_ecs" else "",
                kms_key=acme_cmk if name == "enc-ubuntu" else None,
            )
        full_ecs = images["full-ecs-app"]
        ImageBackup.objects.get_or_create(
            image=full_ecs, device="/dev/vda", defaults={"role": "system", "size_gb": 40}
        )
        ImageBackup.objects.get_or_create(
            image=full_ecs, device="/dev/vdb", defaults={"role": "data", "size_gb": 60}
        )
        nl_centos = self._image(
            acme_nl,
            "nl-centos",
            image_type="system",
            os_type="Linux",
            os="CentOS 7.9 64bit",
            min_disk_gb=40,
            size_gb="2.55",
        )

        alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
        created_de, de_names = 0, []
        for status, names in BETA_DE_SHARES.items():
            for name in names:
                member, created = ImageMember.objects.get_or_create(
                    image=images[name], project=beta_de, defaults={"status": status}
                )
                if created:
                    self._trace_history(member, sharer=alice, recipient=bob)
                if created and status == ImageMember.Status.PENDING:
                    created_de += 1
                    de_names.append(name)
        member, created_nl = ImageMember.objects.get_or_create(image=nl_centos, project=beta_nl)
        if created_nl:
            self._trace_history(member, sharer=alice, recipient=bob)
        for target, count, images in (
            (beta_de, created_de, de_names),
            (beta_nl, int(created_nl), [nl_centos.name]),
        ):
            if count:
                params = {
                    "tenant": "Acme Images",
                    "count": count,
                    "names": ", ".join(sorted(images)),
                    "region": target.region.name,
                }
                title, body = stored_text(SHARED_KIND, params)
                Message.objects.create(
                    project=target, title=title, body=body, kind=SHARED_KIND, params=params
                )

        for name, resource_type, protection_type, capacity in BETA_DE_VAULTS:
            Vault.objects.get_or_create(
                project=beta_de,
                name=name,
                defaults={
                    "resource_type": resource_type,
                    "protection_type": protection_type,
                    "capacity_gb": capacity,
                },
            )

        ubuntu = public["eu-de", "Standard_Ubuntu_22.04_latest"]
        server, created = Server.objects.get_or_create(
            project=beta_de,
            name="bob-web-01",
            defaults={
                "image": ubuntu,
                "image_name": ubuntu.name,
                "availability_zone": "eu-de-01",
                "flavor": "s3.medium.2",
            },
        )
        if created:
            Disk.objects.create(
                project=beta_de,
                name="bob-web-01-sys",
                role=Disk.Role.SYSTEM,
                size_gb=40,
                availability_zone="eu-de-01",
                server=server,
                image=ubuntu,
                status=Disk.Status.IN_USE,
            )
        self.stdout.write(self.style.SUCCESS("Demo world ready. Password: " + PASSWORD))

    def _trace_history(self, member: ImageMember, *, sharer: User, recipient: User) -> None:
        """The audit trail a share in this state would have left."""
        image = member.image
        common = {
            "service": "IMS",
            "resource_type": "image",
            "resource_id": str(image.pk),
            "resource_name": image.name,
        }
        traces = [
            Trace(
                tenant_id=sharer.tenant_id,
                project=image.owner,
                user=sharer,
                user_name=sharer.username,
                operation="addMember",
                detail={"project_id": member.project.project_id, "status": "pending"},
                **common,
            )
        ]
        if member.status != ImageMember.Status.PENDING:
            traces.append(
                Trace(
                    tenant_id=recipient.tenant_id,
                    project=member.project,
                    user=recipient,
                    user_name=recipient.username,
                    operation="updateMember",
                    detail={"project_id": member.project.project_id, "status": member.status},
                    **common,
                )
            )
        Trace.objects.bulk_create(traces)

    def _wipe(self) -> None:
        Tenant.objects.filter(name__in=TENANTS).delete()
        User.objects.filter(username__in=[u for u, _, _ in USERS] + ["admin"]).delete()
        Image.objects.filter(owner__isnull=True, name__in=[p[0] for p in PUBLIC_IMAGES]).delete()

    def _region(self, code: str, name: str, default: bool, zones: list[str]) -> Region:
        # An install whose operators already chose a default region keeps it.
        default = default and not Region.objects.filter(is_default=True).exists()
        region, _ = Region.objects.get_or_create(
            code=code,
            defaults={"name": name, "is_default": default, "availability_zones": zones},
        )
        return region

    def _tenant(self, name: str) -> Tenant:
        tenant, _ = Tenant.objects.get_or_create(
            name=name, defaults={"account_id": stable_hex32("account", name)}
        )
        return tenant

    def _project(self, tenant: Tenant, region: Region) -> Project:
        project, _ = Project.objects.get_or_create(
            tenant=tenant,
            region=region,
            defaults={
                "name": region.code,
                "project_id": stable_hex32("project", tenant.name, region.code),
            },
        )
        return project

    def _users(self, tenants: dict[str, Tenant]) -> None:
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", PASSWORD)
        for username, tenant, role in USERS:
            if not User.objects.filter(username=username).exists():
                User.objects.create_user(
                    username, f"{username}@example.com", PASSWORD, tenant=tenants[tenant], role=role
                )

    def _public_images(self, regions: dict[str, Region]) -> dict[tuple[str, str], Image]:
        images = {}
        for code, region in regions.items():
            for name, os_type, os_name, disk in PUBLIC_IMAGES:
                images[code, name], _ = Image.objects.get_or_create(
                    owner=None,
                    region=region,
                    name=name,
                    defaults={
                        "image_type": Image.ImageType.SYSTEM,
                        "os_type": os_type,
                        "os": os_name,
                        "min_disk_gb": disk,
                        "size_gb": "2.00",
                    },
                )
        return images

    def _image(self, owner: Project, name: str, **fields: Any) -> Image:
        image, _ = Image.objects.get_or_create(
            owner=owner, name=name, defaults={"region": owner.region, **fields}
        )
        return image
