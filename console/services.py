"""Console services: audit traces, notifications and the stand-ins' state changes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from console.errors import ConsoleError, RoleRefused
from console.ids import HEX32_RE
from console.models import Disk, Key, KeyGrant, Message, Project, Server, Tenant, Trace, User
from ims.errors import ImsError
from ims.models import Image, ImageBackup, ImageMember


def ensure_can_change(actor: User) -> None:
    """Refuse changes by a read-only user."""
    if not actor.can_change:
        raise RoleRefused("Your role is read-only: you can view resources but not change them.")


def trace_record(
    *,
    actor: User | None,
    project: Project,
    operation: str,
    resource_type: str,
    resource_id: str = "",
    resource_name: str = "",
    result: str = Trace.Result.SUCCESS,
    service: str = "IMS",
    detail: dict[str, Any] | None = None,
) -> Trace:
    """Record one state change in the tenant's audit trail."""
    return Trace.objects.create(
        tenant_id=project.tenant_id,
        project=project,
        user=actor,
        user_name=actor.get_username() if actor else "system",
        service=service,
        operation=operation,
        resource_type=resource_type,
        resource_id=str(resource_id),
        resource_name=resource_name,
        result=result,
        detail=detail or {},
    )


def message_send(*, project: Project, title: str, body: str = "") -> Message:
    """Send a notification to a project."""
    return Message.objects.create(project=project, title=title, body=body)


@transaction.atomic
def messages_mark_read(*, actor: User, project: Project, ids: Iterable[int] | None = None) -> int:
    """Mark the project's unread messages read (only `ids` when given); return how many."""
    ensure_can_change(actor)
    unread = Message.objects.for_project(project).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read=True)
    if count:
        trace_record(
            actor=actor,
            project=project,
            operation="markMessagesRead",
            resource_type="message",
            service="Console",
            detail={"count": count},
        )
    return count


# --- Follow-ups of an image: ECS servers, EVS disks, KMS keys (the stand-ins) -----------

P = ParamSpec("P")
R = TypeVar("R")

FLAVORS = {
    "s3.medium.2": (1, 2),
    "s3.large.2": (2, 4),
    "s3.xlarge.2": (4, 8),
    "s3.2xlarge.2": (8, 16),
    "c6.large.2": (2, 4),
    "c6.xlarge.2": (4, 8),
    "m6.large.8": (2, 16),
}
SERVER_MAX_QUANTITY = 50
SYSTEM_DISK_MAX_GB = 1024
DATA_DISK_MIN_GB = 10
DATA_DISK_MAX_GB = 32768
NAME_MAX = 64
NAME_RULE = "1 to 64 characters: letters, digits, underscores (_), hyphens (-) and periods (.)"
NAME_RE = re.compile(r"\A[A-Za-z0-9_.-]{1,64}\Z")
KEY_ALIAS_RULE = (
    "1 to 255 characters: letters, digits, underscores (_), hyphens (-) and slashes (/)"
)
KEY_ALIAS_RE = re.compile(r"\A[A-Za-z0-9_/-]{1,255}\Z")

# What each follow-up may start from (D9).
USE_IMAGE_TYPES = {
    "server": {Image.ImageType.SYSTEM, Image.ImageType.FULL_ECS},
    "change_os": {Image.ImageType.SYSTEM},
    "disk": {Image.ImageType.DATA},
    "replicate": {Image.ImageType.SYSTEM, Image.ImageType.DATA},
}
WRONG_TYPE = {
    "server": "Servers are created from system disk and full-ECS images; {image} is {kind}.",
    "change_os": "Change OS needs a system disk image; {image} is {kind}.",
    "disk": "Data disks are created from data disk images; {image} is {kind}.",
    "replicate": "Only system disk and data disk images can be replicated; {image} is {kind}.",
}


class InputRefused(ConsoleError):
    """A refused value; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


def trace_refusals(
    *,
    service: str,
    operation: str | Callable[[dict[str, Any]], str],
    resource_type: str,
    resource: Callable[[dict[str, Any]], tuple[object, str]],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record a failed trace when the wrapped service refuses, after its rollback."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except ConsoleError as error:
                resource_id, resource_name = resource(kwargs)
                # A refused value may be longer than a trace column holds.
                trace_record(
                    actor=kwargs["actor"],
                    project=kwargs["project"],
                    operation=operation(kwargs) if callable(operation) else operation,
                    resource_type=resource_type,
                    resource_id=str(resource_id or "")[:64],
                    resource_name=str(resource_name or "")[:255],
                    result=Trace.Result.FAILED,
                    service=service,
                    detail={"error": str(error)},
                )
                raise

        return wrapper

    return decorate


def image_use_refusal(
    *,
    project: Project,
    image: Image,
    use: str,
    member_status: str | None = None,
    key_granted: bool | None = None,
) -> ConsoleError | None:
    """Why `project` may not start `use` from `image` now (D8, D9, D10), or None if it may."""
    # The caller passes the share status and grant it read (locked, in services), so a
    # list can decide for every row without a query per row.
    if image.is_public:
        if image.region_id != project.region_id:
            return ImsError("IMG.0144")
        if use == "replicate":
            return InputRefused(
                f"{image.name} is a public image: it is already available in every project."
            )
    elif image.owner_id != project.pk:
        if member_status is None:
            return ImsError("IMG.0144", "It is not shared with this project.")
        if member_status != ImageMember.Status.ACCEPTED:
            code = "IMG.0196" if use == "replicate" else "IMG.0046"
            where = (
                "accept it in the banner of the Images Shared with Me tab"
                if member_status == ImageMember.Status.PENDING
                else "accept it again under Rejected Images"
            )
            return ImsError(
                code, f"{image.name} is {ImageMember.Status(member_status).label.lower()}: {where}."
            )
    if image.image_type not in USE_IMAGE_TYPES[use]:
        kind = image.get_image_type_display()
        article = "an" if kind[0] in "AEIOU" else "a"
        return InputRefused(WRONG_TYPE[use].format(image=image.name, kind=f"{article} {kind}"))
    if use == "replicate" and image.min_disk_gb > Image.MAX_REPLICATION_GB:
        return InputRefused(
            f"The image size must be less than {Image.MAX_REPLICATION_GB} GB; "
            f"{image.name} has {image.min_disk_gb} GB."
        )
    if detail := image.unavailable_reason(project.tenant_id, key_granted=key_granted):
        return ImsError("IMG.0046", detail)
    return None


def image_lock_for_use(*, project: Project, image: Image, use: str) -> Image:
    """Lock the image, its share and its key rows, and refuse unless `project` may use it."""
    # The locked member row keeps a share accepted until the follow-up commits; the
    # locked key and grant rows do the same for D10.
    # select_for_update cannot follow nullable joins on PostgreSQL: load the rows apart.
    locked = Image.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        raise ImsError("IMG.0144", "It may have been deleted.")
    if locked.owner_id is not None:
        locked.owner = Project.objects.get(pk=locked.owner_id)
    member_status = None
    if locked.owner_id not in (None, project.pk):
        member = ImageMember.objects.select_for_update().filter(image=locked, project=project)
        member_status = next(iter(member.values_list("status", flat=True)), None)
    key_granted = None
    if locked.kms_key_id is not None:
        locked.kms_key = Key.objects.select_for_update().get(pk=locked.kms_key_id)
        grants = KeyGrant.objects.select_for_update().filter(
            key_id=locked.kms_key_id, grantee_id=project.tenant_id
        )
        key_granted = bool(list(grants.values_list("pk", flat=True)))
    refusal = image_use_refusal(
        project=project,
        image=locked,
        use=use,
        member_status=member_status,
        key_granted=key_granted,
    )
    if refusal is not None:
        raise refusal
    return locked


def system_disk_min_gb(image: Image) -> int:
    """The smallest system disk a server from `image` may have (full-ECS: its system backup)."""
    if image.image_type == Image.ImageType.FULL_ECS:
        sizes = image.backups.filter(role=ImageBackup.Role.SYSTEM).values_list("size_gb", flat=True)
        return max(sizes, default=image.min_disk_gb)
    return image.min_disk_gb


def _check_name(name: str, *, field: str = "name", suffix: int = 0) -> None:
    if not NAME_RE.match(name or ""):
        raise InputRefused(f"Enter a valid name: {NAME_RULE}.", field=field)
    if len(name) + suffix > NAME_MAX:
        raise InputRefused(
            f"The name may have at most {NAME_MAX - suffix} characters when several "
            f"are created, because a suffix such as -0001 is added.",
            field=field,
        )


def _disk_name(server_name: str, suffix: str) -> str:
    return server_name[: NAME_MAX - len(suffix)] + suffix


def _check_zone(project: Project, availability_zone: str) -> None:
    if availability_zone not in (project.region.availability_zones or []):
        raise InputRefused(
            f"{availability_zone or 'The availability zone'} is not an availability zone of "
            f"{project.region.name}.",
            field="availability_zone",
        )


@trace_refusals(
    service="ECS",
    operation="createServer",
    resource_type="server",
    resource=lambda kw: ("", kw.get("name", "")),
)
@transaction.atomic
def servers_create(
    *,
    actor: User,
    project: Project,
    image: Image,
    name: str,
    availability_zone: str,
    flavor: str,
    system_disk_gb: int,
    quantity: int = 1,
) -> list[Server]:
    """Create running servers from an image, each with its system (and full-ECS data) disks."""
    ensure_can_change(actor)
    if not 1 <= quantity <= SERVER_MAX_QUANTITY:
        raise InputRefused(
            f"The quantity must be between 1 and {SERVER_MAX_QUANTITY}.", field="quantity"
        )
    _check_name(name, suffix=5 if quantity > 1 else 0)
    _check_zone(project, availability_zone)
    if flavor not in FLAVORS:
        raise InputRefused(f"{flavor or 'The flavor'} is not an available flavor.", field="flavor")
    image = image_lock_for_use(project=project, image=image, use="server")
    minimum = system_disk_min_gb(image)
    if not minimum <= system_disk_gb <= SYSTEM_DISK_MAX_GB:
        raise InputRefused(
            f"The system disk must be between {minimum} GB (what {image.name} needs) and "
            f"{SYSTEM_DISK_MAX_GB} GB.",
            field="system_disk_gb",
        )
    data_backups = list(image.backups.filter(role=ImageBackup.Role.DATA).order_by("device"))
    names = [name] if quantity == 1 else [f"{name}-{n:04d}" for n in range(1, quantity + 1)]
    servers = []
    for server_name in names:
        server = Server(
            project=project,
            name=server_name,
            image=image,
            image_name=image.name,
            availability_zone=availability_zone,
            flavor=flavor,
            status=Server.Status.RUNNING,
        )
        server.full_clean()
        server.save()
        disks = [(Disk.Role.SYSTEM, _disk_name(server_name, "-sys"), system_disk_gb)]
        disks += [
            (Disk.Role.DATA, _disk_name(server_name, f"-data{n}"), backup.size_gb)
            for n, backup in enumerate(data_backups, start=1)
        ]
        Disk.objects.bulk_create(
            Disk(
                project=project,
                name=disk_name,
                role=role,
                size_gb=size,
                availability_zone=availability_zone,
                server=server,
                image=image,
                status=Disk.Status.IN_USE,
            )
            for role, disk_name, size in disks
        )
        trace_record(
            actor=actor,
            project=project,
            operation="createServer",
            resource_type="server",
            resource_id=server.server_id,
            resource_name=server.name,
            service="ECS",
            detail={
                "image_id": str(image.pk),
                "image_name": image.name,
                "flavor": flavor,
                "availability_zone": availability_zone,
                "system_disk_gb": system_disk_gb,
                "data_disks_gb": [b.size_gb for b in data_backups],
            },
        )
        servers.append(server)
    return servers


def _lock_server(project: Project, server: Server) -> Server:
    locked = Server.objects.for_project(project).select_for_update().filter(pk=server.pk).first()
    if locked is None:
        raise InputRefused("The server does not exist; it may have been deleted.")
    return locked


def _server_power(*, actor: User, project: Project, server: Server, to: str) -> Server:
    ensure_can_change(actor)
    server = _lock_server(project, server)
    if server.status == to:
        raise InputRefused(f"{server.name} is already {server.get_status_display().lower()}.")
    server.status = to
    server.save(update_fields=["status"])
    trace_record(
        actor=actor,
        project=project,
        operation="startServer" if to == Server.Status.RUNNING else "stopServer",
        resource_type="server",
        resource_id=server.server_id,
        resource_name=server.name,
        service="ECS",
    )
    return server


def _server_resource(kw: dict[str, Any]) -> tuple[object, str]:
    return kw["server"].server_id, kw["server"].name


@trace_refusals(
    service="ECS",
    operation="stopServer",
    resource_type="server",
    resource=_server_resource,
)
@transaction.atomic
def server_stop(*, actor: User, project: Project, server: Server) -> Server:
    """Stop a running server."""
    return _server_power(actor=actor, project=project, server=server, to=Server.Status.STOPPED)


@trace_refusals(
    service="ECS",
    operation="startServer",
    resource_type="server",
    resource=_server_resource,
)
@transaction.atomic
def server_start(*, actor: User, project: Project, server: Server) -> Server:
    """Start a stopped server."""
    return _server_power(actor=actor, project=project, server=server, to=Server.Status.RUNNING)


@trace_refusals(
    service="ECS",
    operation="changeOS",
    resource_type="server",
    resource=_server_resource,
)
@transaction.atomic
def server_change_os(*, actor: User, project: Project, server: Server, image: Image) -> Server:
    """Reinstall a stopped server from another system disk image; the disk grows if needed."""
    ensure_can_change(actor)
    server = _lock_server(project, server)
    if server.status != Server.Status.STOPPED:
        raise InputRefused(f"Stop {server.name} before changing its OS.")
    image = image_lock_for_use(project=project, image=image, use="change_os")
    previous = server.image_name
    server.image = image
    server.image_name = image.name
    server.save(update_fields=["image", "image_name"])
    system_disk = server.disks.select_for_update().filter(role=Disk.Role.SYSTEM).first()
    if system_disk is None:
        Disk.objects.create(
            project=project,
            name=_disk_name(server.name, "-sys"),
            role=Disk.Role.SYSTEM,
            size_gb=image.min_disk_gb,
            availability_zone=server.availability_zone,
            server=server,
            image=image,
            status=Disk.Status.IN_USE,
        )
    else:
        system_disk.image = image
        system_disk.size_gb = max(system_disk.size_gb, image.min_disk_gb)
        system_disk.save(update_fields=["image", "size_gb"])
    trace_record(
        actor=actor,
        project=project,
        operation="changeOS",
        resource_type="server",
        resource_id=server.server_id,
        resource_name=server.name,
        service="ECS",
        detail={"image_id": str(image.pk), "image_name": image.name, "previous": previous},
    )
    return server


@trace_refusals(
    service="EVS",
    operation="createVolume",
    resource_type="volume",
    resource=lambda kw: ("", kw.get("name", "")),
)
@transaction.atomic
def disk_create(
    *,
    actor: User,
    project: Project,
    name: str,
    availability_zone: str,
    size_gb: int,
    image: Image | None = None,
) -> Disk:
    """Create a standalone data disk, empty or from a data disk image at least its size."""
    ensure_can_change(actor)
    _check_name(name)
    _check_zone(project, availability_zone)
    minimum = DATA_DISK_MIN_GB
    if image is not None:
        image = image_lock_for_use(project=project, image=image, use="disk")
        minimum = max(minimum, image.min_disk_gb)
    if not minimum <= size_gb <= DATA_DISK_MAX_GB:
        needs = f" (what {image.name} needs)" if image is not None else ""
        raise InputRefused(
            f"The disk size must be between {minimum} GB{needs} and {DATA_DISK_MAX_GB} GB.",
            field="size_gb",
        )
    disk = Disk(
        project=project,
        name=name,
        role=Disk.Role.DATA,
        size_gb=size_gb,
        availability_zone=availability_zone,
        image=image,
        status=Disk.Status.AVAILABLE,
    )
    disk.full_clean()
    disk.save()
    trace_record(
        actor=actor,
        project=project,
        operation="createVolume",
        resource_type="volume",
        resource_id=disk.disk_id,
        resource_name=disk.name,
        service="EVS",
        detail={"size_gb": size_gb, "image_id": str(image.pk) if image else None},
    )
    return disk


def _lock_key(project: Project, key: Key) -> Key:
    locked = Key.objects.for_project(project).select_for_update().filter(pk=key.pk).first()
    if locked is None:
        raise InputRefused("The key does not exist; it may have been deleted.")
    return locked


@trace_refusals(
    service="KMS",
    operation="createKey",
    resource_type="key",
    resource=lambda kw: ("", kw.get("alias", "")),
)
@transaction.atomic
def key_create(*, actor: User, project: Project, alias: str, description: str = "") -> Key:
    """Create a custom key; its alias is unique in the project."""
    ensure_can_change(actor)
    if not KEY_ALIAS_RE.match(alias or ""):
        raise InputRefused(f"Enter a valid alias: {KEY_ALIAS_RULE}.", field="alias")
    if alias.lower().endswith("/default"):
        raise InputRefused("An alias cannot end with /default: it is reserved.", field="alias")
    if len(description) > 255:
        raise InputRefused("The description may have at most 255 characters.", field="description")
    # Locking the project serializes key creation in it, so the alias check holds at commit.
    Project.objects.select_for_update().get(pk=project.pk)
    if Key.objects.for_project(project).filter(alias=alias).exists():
        raise InputRefused(f"A key with the alias {alias} already exists.", field="alias")
    key = Key.objects.create(project=project, alias=alias, description=description)
    trace_record(
        actor=actor,
        project=project,
        operation="createKey",
        resource_type="key",
        resource_id=key.key_id,
        resource_name=key.alias,
        service="KMS",
    )
    return key


@trace_refusals(
    service="KMS",
    operation="createGrant",
    resource_type="grant",
    resource=lambda kw: (kw["key"].key_id, kw["key"].alias),
)
@transaction.atomic
def key_grant_create(
    *,
    actor: User,
    project: Project,
    key: Key,
    grantee_account_id: str,
    operations: list[str],
) -> KeyGrant:
    """Grant another tenant (by account ID) operations on a custom key."""
    ensure_can_change(actor)
    key = _lock_key(project, key)
    if key.is_default:
        raise InputRefused("A default key cannot be granted to another tenant.")
    if key.state == Key.State.PENDING_DELETION:
        raise InputRefused(f"{key.alias} is scheduled for deletion: cancel the deletion first.")
    account_id = (grantee_account_id or "").strip().lower()
    if not HEX32_RE.match(account_id):
        raise InputRefused(
            "Enter the tenant's account ID: 32 hexadecimal characters, as shown on the "
            "recipient's My Credentials page.",
            field="grantee_account_id",
        )
    grantee = Tenant.objects.filter(account_id=account_id).first()
    if grantee is None:
        raise InputRefused(
            f"No account with the ID {account_id} exists. Ask the recipient for the Account "
            "ID on their My Credentials page.",
            field="grantee_account_id",
        )
    if grantee.pk == project.tenant_id:
        raise InputRefused(
            "This is your own account: a key needs no grant for its own account.",
            field="grantee_account_id",
        )
    if KeyGrant.objects.select_for_update().filter(key=key, grantee=grantee).exists():
        raise InputRefused(
            f"The account {account_id} already has a grant on {key.alias}. Revoke it first "
            "to grant other operations.",
            field="grantee_account_id",
        )
    grant = KeyGrant(key=key, grantee=grantee, operations=sorted(set(operations)))
    try:
        grant.full_clean()
    except ValidationError as error:
        problems = [m for field_messages in error.message_dict.values() for m in field_messages]
        raise InputRefused(" ".join(problems), field="operations") from error
    grant.save()
    trace_record(
        actor=actor,
        project=project,
        operation="createGrant",
        resource_type="grant",
        resource_id=grant.grant_id,
        resource_name=key.alias,
        service="KMS",
        detail={
            "key_id": str(key.key_id),
            "grantee_account_id": account_id,
            "operations": grant.operations,
        },
    )
    return grant


@trace_refusals(
    service="KMS",
    operation="revokeGrant",
    resource_type="grant",
    resource=lambda kw: (kw["grant"].grant_id, ""),
)
@transaction.atomic
def key_grant_revoke(*, actor: User, project: Project, grant: KeyGrant) -> None:
    """Revoke a grant; encrypted images shared with that tenant become unavailable (D10)."""
    ensure_can_change(actor)
    gone = InputRefused("The grant does not exist; it may have been revoked already.")
    found = KeyGrant.objects.filter(pk=grant.pk, key__project=project).values("key").first()
    if found is None:
        raise gone
    # Key before grant, the order the follow-ups lock them in, so the two never deadlock.
    key = Key.objects.select_for_update().get(pk=found["key"])
    locked = (
        KeyGrant.objects.select_for_update(of=("self",))
        .select_related("grantee")
        .filter(pk=grant.pk, key=key)
        .first()
    )
    if locked is None:
        raise gone
    locked.delete()
    trace_record(
        actor=actor,
        project=project,
        operation="revokeGrant",
        resource_type="grant",
        resource_id=locked.grant_id,
        resource_name=key.alias,
        service="KMS",
        detail={"key_id": str(key.key_id), "grantee_account_id": locked.grantee.account_id},
    )


# (from state, to state) → the KMS operation; cancelling a deletion leaves the key disabled.
KEY_TRANSITIONS = {
    (Key.State.ENABLED, Key.State.DISABLED): "disableKey",
    (Key.State.DISABLED, Key.State.ENABLED): "enableKey",
    (Key.State.ENABLED, Key.State.PENDING_DELETION): "scheduleKeyDeletion",
    (Key.State.DISABLED, Key.State.PENDING_DELETION): "scheduleKeyDeletion",
    (Key.State.PENDING_DELETION, Key.State.DISABLED): "cancelKeyDeletion",
}
KEY_STATE_OPERATIONS = {
    Key.State.DISABLED: "disableKey",
    Key.State.ENABLED: "enableKey",
    Key.State.PENDING_DELETION: "scheduleKeyDeletion",
}


def _key_state_operation(kw: dict[str, Any]) -> str:
    key, state = kw["key"], kw.get("state")
    return KEY_TRANSITIONS.get((key.state, state)) or KEY_STATE_OPERATIONS.get(state, "updateKey")


@trace_refusals(
    service="KMS",
    operation=_key_state_operation,
    resource_type="key",
    resource=lambda kw: (kw["key"].key_id, kw["key"].alias),
)
@transaction.atomic
def key_set_state(*, actor: User, project: Project, key: Key, state: str) -> Key:
    """Disable, enable, schedule the deletion of a custom key, or cancel it (→ disabled)."""
    ensure_can_change(actor)
    key = _lock_key(project, key)
    if key.is_default:
        raise InputRefused("A default key cannot be disabled or deleted.")
    operation = KEY_TRANSITIONS.get((key.state, state))
    if operation is None:
        if state == key.state:
            raise InputRefused(f"{key.alias} is already {key.get_state_display().lower()}.")
        if key.state == Key.State.PENDING_DELETION:
            raise InputRefused(f"{key.alias} is scheduled for deletion: cancel the deletion first.")
        raise InputRefused(f"{key.alias} cannot change to the state {state}.")
    key.state = state
    key.save(update_fields=["state"])
    trace_record(
        actor=actor,
        project=project,
        operation=operation,
        resource_type="key",
        resource_id=key.key_id,
        resource_name=key.alias,
        service="KMS",
    )
    return key
