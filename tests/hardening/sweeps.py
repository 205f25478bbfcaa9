"""The world the sweeps attack, the console's routes, and the counts they report."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from console.audit.models import Message, Trace
from console.compute.models import Disk, Server
from console.iam.models import AccessKey
from console.kms.models import Key, KeyGrant
from ims.models import Image, ImageBackup, ImageMember, MemberBackup
from tests.factories import (
    AccessKeyFactory,
    DiskFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    MessageFactory,
    ProjectFactory,
    ServerFactory,
    TenantFactory,
    TraceFactory,
    UserFactory,
    VaultFactory,
)
from vaults.models import Backup, Vault

# What each sweep did, printed at the end of the run (see conftest.py).
COUNTS: dict[str, Counter] = defaultdict(Counter)

# The JSON APIs (Keystone, Glance, IMS) have their own isolation and fuzz tests in tests/api.
API_NAMESPACES = ("iam_api", "ims_api")
# Pages for operators (superusers) only, tested with them: Django admin, Reset Demo World.
OPERATOR_NAMESPACES = ("admin", "demo")

# Names of every object the recipient must never see: another tenant's, another region's.
HIDDEN_MARKERS = ("foreign-", "nlregion-", "faraway-")


def console_routes() -> list[tuple[str, list[str]]]:
    """(URL name, path argument names) of every console route: not the operators', not the APIs."""
    routes = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in OPERATOR_NAMESPACES + API_NAMESPACES:
                    continue
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                routes.append((f"{namespace}:{entry.name}", sorted(entry.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    return routes


def snapshot() -> tuple:
    """Every row a request could change, except the failed traces that record refusals."""
    return (
        list(Image.objects.order_by("pk").values()),
        list(ImageBackup.objects.order_by("pk").values()),
        list(ImageMember.objects.order_by("pk").values()),
        list(Vault.objects.order_by("pk").values()),
        list(Backup.objects.order_by("pk").values()),
        list(MemberBackup.objects.order_by("pk").values()),
        list(Server.objects.order_by("pk").values()),
        list(Disk.objects.order_by("pk").values()),
        list(Key.objects.order_by("pk").values()),
        list(KeyGrant.objects.order_by("pk").values()),
        list(AccessKey.objects.order_by("pk").values()),
        list(Message.objects.order_by("pk").values()),
        list(Trace.objects.exclude(result=Trace.Result.FAILED).order_by("pk").values()),
    )


@dataclass
class Objects:
    """One object of each kind a request can name, all in one project."""

    image: Image
    data_image: Image
    member: ImageMember
    vault: Vault
    server: Server
    key: Key
    grant: KeyGrant
    project_id: str
    access_key: AccessKey
    trace: Trace

    def ids(self) -> dict[str, Any]:
        """The path arguments naming these objects."""
        return {
            "image_id": self.image.pk,
            "vault_id": self.vault.vault_id,
            "server_id": self.server.server_id,
            "key_id": self.key.key_id,
            "grant_id": self.grant.grant_id,
            "access_key": self.access_key.access_key,
            "trace_id": self.trace.pk,
        }

    def value(self, kind: str) -> Any:
        """The value a form or query field of `kind` would carry for these objects."""
        return {
            "image": self.image.pk,
            "data_image": self.data_image.pk,
            "member": self.member.pk,
            "vault": self.vault.vault_id,
            "server": self.server.server_id,
            "key": self.key.key_id,
            "recipient": self.project_id,
        }[kind]


@dataclass
class SweepWorld:
    """The recipient's own objects in eu-de, and what it must not reach."""

    own: Objects
    foreign: Objects  # another tenant's, in the same region
    other_region: Objects  # the recipient's own tenant, in eu-nl
    far: Objects  # another tenant's, in another region
    extra: dict[str, Any] = field(default_factory=dict)

    def hidden(self) -> list[Objects]:
        return [self.foreign, self.other_region, self.far]


def _objects(project, sharer_project, third_project, prefix: str, user) -> Objects:
    key = KeyFactory(project=project, alias=f"{prefix}key")
    return Objects(
        image=ImageFactory(owner=project, name=f"{prefix}image"),
        data_image=ImageFactory(owner=project, name=f"{prefix}data", data_disk=True),
        member=ImageMemberFactory(
            image=ImageFactory(owner=sharer_project, name=f"{prefix}shared"), project=third_project
        ),
        vault=VaultFactory(project=project, name=f"{prefix}vault", capacity_gb=500),
        server=ServerFactory(project=project, name=f"{prefix}server", status="stopped"),
        key=key,
        grant=KeyGrantFactory(key=key, grantee=third_project.tenant),
        # A project that is no recipient of the recipient's own image.
        project_id=project.project_id,
        access_key=AccessKeyFactory(user=user, description=f"{prefix}access-key"),
        # A tenant sees its traces of every region: the one it must not see is another's.
        trace=TraceFactory(project=sharer_project, resource_name=f"{prefix}trace"),
    )


def build(world) -> SweepWorld:
    """The sweep world on top of the suite's two-tenant, two-region world."""
    third = TenantFactory(name="Third Co")
    third_de = ProjectFactory(tenant=third, region=world.de)
    third_nl = ProjectFactory(tenant=third, region=world.nl)
    r_de = world.recipient_de
    own_key = KeyFactory(project=r_de, alias="own-key")
    own_image = ImageFactory(owner=r_de, name="own-system")
    own = Objects(
        image=own_image,
        data_image=ImageFactory(owner=r_de, name="own-data", data_disk=True),
        # The recipient's own image shared with a third tenant: a recipient it may remove.
        member=ImageMemberFactory(image=own_image, project=third_de),
        vault=VaultFactory(project=r_de, name="own-vault", capacity_gb=500),
        server=ServerFactory(project=r_de, name="own-server", status="stopped"),
        key=own_key,
        grant=KeyGrantFactory(key=own_key, grantee=third),
        project_id=third_de.project_id,
        access_key=AccessKeyFactory(user=world.recipient_user),
        trace=TraceFactory(project=r_de, resource_name="own-trace"),
    )
    # Create Image reads the server's system disk.
    DiskFactory(project=r_de, server=own.server, role="system", size_gb=40, name="own-sys")
    foreign = _objects(world.sharer_de, world.sharer_de, third_de, "foreign-", world.sharer_user)
    # Access keys are a user's own: another user of the same tenant must not reach them.
    other_region = _objects(
        world.recipient_nl, world.sharer_nl, third_nl, "nlregion-", world.readonly_user
    )
    far = _objects(
        world.sharer_nl, world.sharer_nl, third_nl, "faraway-", UserFactory(tenant=third)
    )
    # Shares the recipient answers: a plain one and a full-ECS one, pending; one accepted.
    pending = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de, name="shared-plain"), project=r_de
    )
    full = ImageFactory(owner=world.sharer_de, name="shared-full", full_ecs=True)
    ImageBackupFactory(image=full, role="system", size_gb=40, device="/dev/vda")
    ImageBackupFactory(image=full, role="data", size_gb=60, device="/dev/vdb")
    full_member = ImageMemberFactory(image=full, project=r_de)
    accepted = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de, name="shared-accepted"),
        project=r_de,
        status="accepted",
    )
    encrypted = ImageFactory(owner=r_de, name="own-encrypted", kms_key=own_key)
    MessageFactory(project=r_de, title="unread message")
    return SweepWorld(
        own=own,
        foreign=foreign,
        other_region=other_region,
        far=far,
        extra={
            "pending": pending,
            "full_member": full_member,
            "accepted": accepted,
            "encrypted": encrypted,
            "own_key_2": KeyFactory(project=r_de, alias="own-key-2"),
            "third": third,
            "stopped_server": own.server,
            "running_server": ServerFactory(project=r_de, name="own-running"),
            "sharer_account_id": world.sharer.account_id,
            "sharer_project_id": world.sharer_de.project_id,
        },
    )
