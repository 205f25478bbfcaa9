"""The demo world of the README's "Demo personas": seeded once, checked for, reset in seconds.

Every object a demo quotes the ID of (accounts, projects, images, vaults, keys, grants,
servers, disks) gets an ID derived from its names, the same after every reset and on every
install, so that the IDs in the README and in a trainer's notes stay valid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from console.audit.models import Message, Trace
from console.audit.notifications import stored_text
from console.compute.models import Disk, Server
from console.ids import stable_hex32, stable_uuid
from console.kms.models import Key, KeyGrant
from console.models import Project, Region, Tenant, User
from ims.models import Image, ImageBackup, ImageMember
from ims.services.sharing import SHARED_KIND
from vaults.models import Vault

PASSWORD = "console-demo"
SUPERUSER = "admin"
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
# name, OS type, OS, disk capacity (GB)
PUBLIC_IMAGES = [
    ("Standard_Ubuntu_22.04_latest", "Linux", "Ubuntu 22.04 server 64bit", 10),
    ("Standard_Debian_12_latest", "Linux", "Debian GNU/Linux 12 64bit", 10),
    ("Standard_CentOS_7_latest", "Linux", "CentOS 7.9 64bit", 20),
    ("Standard_Windows_2022_DC_latest", "Windows", "Windows Server 2022 Datacenter 64bit", 40),
]
# name, type, OS type, OS, disk capacity (GB), image size (GB)
ACME_DE_IMAGES = [
    ("ubuntu-22-web", "system", "Linux", "Ubuntu 22.04 server 64bit", 40, "3.21"),
    ("win2022-sql", "system", "Windows", "Windows Server 2022 Standard 64bit", 60, "18.40"),
    ("data-archive", "data", "Other", "-", 100, "12.75"),
    ("full-ecs-app", "full_ecs", "Linux", "Ubuntu 22.04 server 64bit", 40, "0"),
    ("enc-ubuntu", "system", "Linux", "Ubuntu 22.04 server 64bit", 40, "3.05"),
    ("legacy-centos7", "system", "Linux", "CentOS 7.9 64bit", 40, "2.60"),
    ("big-analytics", "system", "Linux", "Ubuntu 22.04 server 64bit", 200, "150.00"),
]
ACME_NL_IMAGES = [("nl-centos", "system", "Linux", "CentOS 7.9 64bit", 40, "2.55")]
# The backups full-ecs-app was made from: device, role, size (GB)
FULL_ECS_BACKUPS = [("/dev/vda", "system", 40), ("/dev/vdb", "data", 60)]
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
BETA_NL_SHARES = {ImageMember.Status.PENDING: ["nl-centos"]}
BETA_DE_VAULTS = [
    ("vault-backup-200", "server", "backup", 200),
    ("vault-backup-50", "server", "backup", 50),
    ("vault-replication", "server", "replication", 500),
    ("vault-disk", "disk", "backup", 500),
]
DEFAULT_KEY = "ims/default"


def image_id(owner: str, region: str, name: str) -> str:
    """The ID of a demo image (`owner` is a tenant name, or "public")."""
    return str(stable_uuid("image", owner, region, name))


def vault_id(tenant: str, region: str, name: str) -> str:
    """The ID of a demo vault."""
    return str(stable_uuid("vault", tenant, region, name))


def present() -> bool:
    """Whether the demo world is in this database (its tenants are)."""
    return Tenant.objects.filter(name__in=TENANTS).exists()


def _ensure(model: type[models.Model], ids: dict, natural: dict, **defaults: Any) -> Any:
    """The row with the stable ID; else one seeded before IDs were stable; else a new one."""
    manager = model._default_manager
    row = manager.filter(**ids).first() or manager.filter(**natural).first()
    return row or manager.create(**ids, **natural, **defaults)


@dataclass
class World:
    """One seeding run: each step adds what is missing and leaves what is there."""

    regions: dict[str, Region] = field(default_factory=dict)
    tenants: dict[str, Tenant] = field(default_factory=dict)
    projects: dict[tuple[str, str], Project] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    public: dict[tuple[str, str], Image] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)

    def seed(self) -> None:
        """Every step, in dependency order."""
        for step in (
            self.add_regions,
            self.add_tenants_and_projects,
            self.add_users,
            self.add_keys,
            self.add_public_images,
            self.add_acme_images,
            self.add_beta_shares,
            self.add_beta_vaults,
            self.add_beta_server,
            self.add_acme_server,
        ):
            step()

    def add_regions(self) -> None:
        """EU-Germany (the default, unless the install chose another) and EU-Netherlands."""
        chosen = Region.objects.filter(is_default=True).exists()
        for code, name, default, zones in REGIONS:
            self.regions[code], _ = Region.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "is_default": default and not chosen,
                    "availability_zones": zones,
                },
            )

    def add_tenants_and_projects(self) -> None:
        """Three tenants, each with a project per region named after the region."""
        for name in TENANTS:
            tenant = _ensure(Tenant, {"account_id": stable_hex32("account", name)}, {"name": name})
            self.tenants[name] = tenant
            for code, region in self.regions.items():
                self.projects[name, code] = _ensure(
                    Project,
                    {"project_id": stable_hex32("project", name, code)},
                    {"tenant": tenant, "region": region},
                    name=code,
                )

    def add_users(self) -> None:
        """The personas and the superuser, all with the demo password."""
        existing = {u.username: u for u in User.objects.filter(username__in=_usernames())}
        encoded = None
        for username, tenant, role in USERS:
            if username not in existing:
                # One hash per run: hashing dominates a reset, and the password is published.
                encoded = encoded or make_password(PASSWORD)
                existing[username] = User.objects.create(
                    username=username,
                    email=f"{username}@example.com",
                    password=encoded,
                    tenant=self.tenants[tenant],
                    role=role,
                )
        if SUPERUSER not in existing:
            existing[SUPERUSER] = User.objects.create_superuser(
                SUPERUSER, f"{SUPERUSER}@example.com", PASSWORD
            )
        self.users = existing

    def add_keys(self) -> None:
        """Each project's default key; Acme's acme-cmk granted to Beta Apps; Beta's beta-cmk."""
        for (tenant, code), project in self.projects.items():
            self._key(project, tenant, code, DEFAULT_KEY, is_default=True)
        acme_cmk = self._key(
            self.projects["Acme Images", "eu-de"],
            "Acme Images",
            "eu-de",
            "acme-cmk",
            description="Acme image key",
        )
        self._key(
            self.projects["Beta Apps", "eu-de"],
            "Beta Apps",
            "eu-de",
            "beta-cmk",
            description="Beta Apps' own key",
        )
        _ensure(
            KeyGrant,
            {"grant_id": stable_uuid("grant", "acme-cmk", "Beta Apps")},
            {"key": acme_cmk, "grantee": self.tenants["Beta Apps"]},
            operations=sorted(KeyGrant.REQUIRED_FOR_SHARING),
        )
        self.keys["acme-cmk"] = acme_cmk

    def _key(self, project: Project, tenant: str, code: str, alias: str, **defaults: Any) -> Key:
        ids = {"key_id": stable_uuid("key", tenant, code, alias)}
        return _ensure(Key, ids, {"project": project, "alias": alias}, **defaults)

    def add_public_images(self) -> None:
        """Ubuntu, Debian, CentOS and Windows in every region."""
        for code, region in self.regions.items():
            for name, os_type, os_name, disk in PUBLIC_IMAGES:
                self.public[code, name] = _ensure(
                    Image,
                    {"id": image_id("public", code, name)},
                    {"owner": None, "region": region, "name": name},
                    image_type=Image.ImageType.SYSTEM,
                    os_type=os_type,
                    os=os_name,
                    min_disk_gb=disk,
                    size_gb="2.00",
                )

    def add_acme_images(self) -> None:
        """Acme's private images; full-ecs-app with its two CBR backups."""
        for code, specs in (("eu-de", ACME_DE_IMAGES), ("eu-nl", ACME_NL_IMAGES)):
            owner = self.projects["Acme Images", code]
            for name, image_type, os_type, os_name, disk, size in specs:
                self.images[name] = _ensure(
                    Image,
                    {"id": image_id("Acme Images", code, name)},
                    {"owner": owner, "name": name},
                    region=owner.region,
                    image_type=image_type,
                    os_type=os_type,
                    os=os_name,
                    min_disk_gb=disk,
                    size_gb=size,
                    full_ecs_source="cbr" if image_type == "full_ecs" else "",
                    kms_key=self.keys["acme-cmk"] if name == "enc-ubuntu" else None,
                )
        for device, role, size in FULL_ECS_BACKUPS:
            ImageBackup.objects.get_or_create(
                image=self.images["full-ecs-app"],
                device=device,
                defaults={"role": role, "size_gb": size},
            )

    def add_beta_shares(self) -> None:
        """Acme's shares with Beta Apps, with the traces and the message they would have left."""
        for code, shares in (("eu-de", BETA_DE_SHARES), ("eu-nl", BETA_NL_SHARES)):
            target, new_pending = self.projects["Beta Apps", code], []
            for status, names in shares.items():
                for name in names:
                    member, created = ImageMember.objects.get_or_create(
                        image=self.images[name], project=target, defaults={"status": status}
                    )
                    if created:
                        self._trace_history(member)
                        if status == ImageMember.Status.PENDING:
                            new_pending.append(name)
            if new_pending:
                params = {
                    "tenant": "Acme Images",
                    "count": len(new_pending),
                    "names": ", ".join(sorted(new_pending)),
                    "region": target.region.name,
                }
                title, body = stored_text(SHARED_KIND, params)
                Message.objects.create(
                    project=target, title=title, body=body, kind=SHARED_KIND, params=params
                )

    def _trace_history(self, member: ImageMember) -> None:
        """The audit trail a share in this state would have left: added, then answered."""
        sharer, recipient, image = self.users["alice"], self.users["bob"], member.image
        common = {
            "service": "IMS",
            "resource_type": "image",
            "resource_id": str(image.pk),
            "resource_name": image.name,
        }
        steps = [(sharer, image.owner, "addMember", ImageMember.Status.PENDING)]
        if member.status != ImageMember.Status.PENDING:
            steps.append((recipient, member.project, "updateMember", member.status))
        Trace.objects.bulk_create(
            Trace(
                tenant_id=user.tenant_id,
                project=project,
                user=user,
                user_name=user.username,
                operation=operation,
                detail={"project_id": member.project.project_id, "status": status},
                **common,
            )
            for user, project, operation, status in steps
        )

    def add_beta_vaults(self) -> None:
        """Beta's four vaults in EU-Germany: one that fits full-ecs-app, three that do not."""
        project = self.projects["Beta Apps", "eu-de"]
        for name, resource_type, protection_type, capacity in BETA_DE_VAULTS:
            _ensure(
                Vault,
                {"vault_id": vault_id("Beta Apps", "eu-de", name)},
                {"project": project, "name": name},
                resource_type=resource_type,
                protection_type=protection_type,
                capacity_gb=capacity,
            )

    def add_beta_server(self) -> None:
        """bob-web-01, running the public Ubuntu image, with its system disk."""
        project, ubuntu = self.projects["Beta Apps", "eu-de"], self.public["eu-de", PUBLIC_UBUNTU]
        server = _ensure(
            Server,
            {"server_id": stable_uuid("server", "Beta Apps", "eu-de", "bob-web-01")},
            {"project": project, "name": "bob-web-01"},
            image=ubuntu,
            image_name=ubuntu.name,
            availability_zone="eu-de-01",
            flavor="s3.medium.2",
        )
        _ensure(
            Disk,
            {"disk_id": stable_uuid("disk", "Beta Apps", "eu-de", "bob-web-01-sys")},
            {"project": project, "name": "bob-web-01-sys"},
            role=Disk.Role.SYSTEM,
            size_gb=40,
            availability_zone="eu-de-01",
            server=server,
            image=ubuntu,
            status=Disk.Status.IN_USE,
        )

    def add_acme_server(self) -> None:
        """alice-app-01, stopped, with a data disk, and a server backup vault that fits it all.

        What alice needs to demo Create Image: a system disk, data disk or full-ECS image.
        """
        project, ubuntu = self.projects["Acme Images", "eu-de"], self.public["eu-de", PUBLIC_UBUNTU]
        server = _ensure(
            Server,
            {"server_id": stable_uuid("server", "Acme Images", "eu-de", "alice-app-01")},
            {"project": project, "name": "alice-app-01"},
            image=ubuntu,
            image_name=ubuntu.name,
            availability_zone="eu-de-01",
            flavor="s3.medium.2",
            status=Server.Status.STOPPED,
        )
        for suffix, role, size in (("-sys", Disk.Role.SYSTEM, 40), ("-data1", Disk.Role.DATA, 60)):
            _ensure(
                Disk,
                {"disk_id": stable_uuid("disk", "Acme Images", "eu-de", f"alice-app-01{suffix}")},
                {"project": project, "name": f"alice-app-01{suffix}"},
                role=role,
                size_gb=size,
                availability_zone="eu-de-01",
                server=server,
                image=ubuntu if role == Disk.Role.SYSTEM else None,
                status=Disk.Status.IN_USE,
            )
        _ensure(
            Vault,
            {"vault_id": vault_id("Acme Images", "eu-de", "acme-server-vault")},
            {"project": project, "name": "acme-server-vault"},
            resource_type=Vault.ResourceType.SERVER,
            protection_type=Vault.ProtectionType.BACKUP,
            capacity_gb=200,
        )


PUBLIC_UBUNTU = "Standard_Ubuntu_22.04_latest"


def _usernames() -> list[str]:
    return [username for username, _, _ in USERS] + [SUPERUSER]


@transaction.atomic
def seed() -> None:
    """Add whatever part of the demo world is missing; keep everything that is there."""
    World().seed()


def wipe() -> None:
    """Delete the demo tenants with all they hold, the demo users and the public images.

    The superuser stays (whoever asked for the reset stays logged in), and so do other
    tenants and users; the lockouts of the demo users are lifted.
    """
    Tenant.objects.filter(name__in=TENANTS).delete()
    User.objects.filter(username__in=[u for u, _, _ in USERS]).delete()
    Image.objects.filter(owner__isnull=True, name__in=[p[0] for p in PUBLIC_IMAGES]).delete()
    AccessAttempt.objects.filter(username__in=_usernames()).delete()


@transaction.atomic
def reset(*, actor: User | None = None) -> float:
    """Put the demo world back as seeded, with the same IDs; return the seconds it took.

    The superuser gets the demo password back. A reset asked for in the console is logged
    in Django admin's history of the demo tenants, under the superuser who asked.
    """
    started = time.monotonic()
    wipe()
    World().seed()
    admin = User.objects.get(username=SUPERUSER)
    if not (admin.is_active and admin.is_superuser and admin.check_password(PASSWORD)):
        admin.is_active = admin.is_staff = admin.is_superuser = True
        admin.set_password(PASSWORD)
        admin.save()
    if actor is not None:
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=Tenant.objects.filter(name__in=TENANTS),
            action_flag=CHANGE,
            change_message="Demo world reset",
        )
    return time.monotonic() - started
