"""ECS and EVS services: servers and disks created from images (D9)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.compute.models import Disk, Server
from console.errors import InputRefused
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageBackup
from ims.services import image_lock_for_use, system_disk_min_gb

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


NAME_RULE = _("1 to 64 characters: letters, digits, underscores (_), hyphens (-) and periods (.)")


NAME_RE = re.compile(r"\A[A-Za-z0-9_.-]{1,64}\Z")


def _check_name(name: str, *, field: str = "name", suffix: int = 0) -> None:
    if not NAME_RE.match(name or ""):
        raise InputRefused(
            format_lazy(_("Enter a valid name: {rule}."), rule=NAME_RULE), field=field
        )
    if len(name) + suffix > NAME_MAX:
        raise InputRefused(
            format_lazy(
                _(
                    "The name may have at most {count} characters when several are created, "
                    "because a suffix such as -0001 is added."
                ),
                count=NAME_MAX - suffix,
            ),
            field=field,
        )


def _disk_name(server_name: str, suffix: str) -> str:
    return server_name[: NAME_MAX - len(suffix)] + suffix


def _check_zone(project: Project, availability_zone: str) -> None:
    if availability_zone not in (project.region.availability_zones or []):
        raise InputRefused(
            format_lazy(
                _("{zone} is not an availability zone of {region}."),
                zone=availability_zone or _("The availability zone"),
                region=project.region,
            ),
            field="availability_zone",
        )


@audited(
    service="ECS",
    operation="createServer",
    resource_type="server",
    resource=lambda kw: ("", kw.get("name", "")),
)
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
    _check_order(project, name=name, zone=availability_zone, flavor=flavor, quantity=quantity)
    image = image_lock_for_use(project=project, image=image, use="server")
    _check_system_disk(image, system_disk_gb)
    data_backups = list(image.backups.filter(role=ImageBackup.Role.DATA).order_by("device"))
    names = [name] if quantity == 1 else [f"{name}-{n:04d}" for n in range(1, quantity + 1)]
    return [
        _server_create(
            project,
            image,
            name=server_name,
            zone=availability_zone,
            flavor=flavor,
            system_disk_gb=system_disk_gb,
            data_backups=data_backups,
        )
        for server_name in names
    ]


def _check_order(project: Project, *, name: str, zone: str, flavor: str, quantity: int) -> None:
    """Refuse an order whose quantity, name, zone or flavor is not one the console offers."""
    if not 1 <= quantity <= SERVER_MAX_QUANTITY:
        raise InputRefused(
            format_lazy(_("The quantity must be between 1 and {max}."), max=SERVER_MAX_QUANTITY),
            field="quantity",
        )
    _check_name(name, suffix=5 if quantity > 1 else 0)
    _check_zone(project, zone)
    if flavor not in FLAVORS:
        raise InputRefused(
            format_lazy(
                _("{flavor} is not an available flavor."), flavor=flavor or _("The flavor")
            ),
            field="flavor",
        )


def _check_system_disk(image: Image, system_disk_gb: int) -> None:
    """Refuse a system disk smaller than the image needs or larger than the maximum."""
    minimum = system_disk_min_gb(image)
    if not minimum <= system_disk_gb <= SYSTEM_DISK_MAX_GB:
        raise InputRefused(
            format_lazy(
                _("The system disk must be between {min} GB (what {image} needs) and {max} GB."),
                min=minimum,
                image=image.name,
                max=SYSTEM_DISK_MAX_GB,
            ),
            field="system_disk_gb",
        )


def _server_create(
    project: Project,
    image: Image,
    *,
    name: str,
    zone: str,
    flavor: str,
    system_disk_gb: int,
    data_backups: list[ImageBackup],
) -> Server:
    """One running server with its disks (a full-ECS image's data disks from its backups)."""
    server = Server(
        project=project,
        name=name,
        image=image,
        image_name=image.name,
        availability_zone=zone,
        flavor=flavor,
        status=Server.Status.RUNNING,
    )
    server.full_clean()
    server.save()
    disks = [(Disk.Role.SYSTEM, _disk_name(name, "-sys"), system_disk_gb)]
    disks += [
        (Disk.Role.DATA, _disk_name(name, f"-data{n}"), backup.size_gb)
        for n, backup in enumerate(data_backups, start=1)
    ]
    Disk.objects.bulk_create(
        Disk(
            project=project,
            name=disk_name,
            role=role,
            size_gb=size,
            availability_zone=zone,
            server=server,
            image=image,
            status=Disk.Status.IN_USE,
        )
        for role, disk_name, size in disks
    )
    note(
        resource_id=server.server_id,
        resource_name=server.name,
        detail={
            "image_id": str(image.pk),
            "image_name": image.name,
            "flavor": flavor,
            "availability_zone": zone,
            "system_disk_gb": system_disk_gb,
            "data_disks_gb": [b.size_gb for b in data_backups],
        },
    )
    return server


def _lock_server(project: Project, server: Server) -> Server:
    locked = Server.objects.for_project(project).select_for_update().filter(pk=server.pk).first()
    if locked is None:
        raise InputRefused(_("The server does not exist; it may have been deleted."))
    return locked


def _server_power(
    *, actor: User, project: Project, server: Server, to: str, detail: dict | None = None
) -> Server:
    ensure_can_change(actor)
    server = _lock_server(project, server)
    if server.status == to:
        raise InputRefused(
            format_lazy(
                _("{server} is already {status}."),
                server=server.name,
                status=server.get_status_display().lower(),
            )
        )
    server.status = to
    server.save(update_fields=["status"])
    note(
        operation="startServer" if to == Server.Status.RUNNING else "stopServer",
        resource_id=server.server_id,
        resource_name=server.name,
        detail=detail,
    )
    return server


def _server_resource(kw: dict[str, Any]) -> tuple[object, str]:
    return kw["server"].server_id, kw["server"].name


@audited(
    service="ECS",
    operation="stopServer",
    resource_type="server",
    resource=_server_resource,
)
def server_stop(*, actor: User, project: Project, server: Server, force: bool = False) -> Server:
    """Stop a running server: shut down (SOFT), or forcibly powered off (HARD) as ECS's API
    names it; the trace records which."""
    return _server_power(
        actor=actor,
        project=project,
        server=server,
        to=Server.Status.STOPPED,
        detail={"type": "HARD" if force else "SOFT"},
    )


@audited(
    service="ECS",
    operation="startServer",
    resource_type="server",
    resource=_server_resource,
)
def server_start(*, actor: User, project: Project, server: Server) -> Server:
    """Start a stopped server."""
    return _server_power(actor=actor, project=project, server=server, to=Server.Status.RUNNING)


@audited(
    service="ECS",
    operation="changeOS",
    resource_type="server",
    resource=_server_resource,
)
def server_change_os(*, actor: User, project: Project, server: Server, image: Image) -> Server:
    """Reinstall a stopped server from a system disk or full-ECS image; data disks stay.

    A full-ECS image's system disk backup becomes the new system disk, so the disk needs
    that backup's size; a disk is never shrunk.
    """
    ensure_can_change(actor)
    server = _lock_server(project, server)
    if server.status != Server.Status.STOPPED:
        raise InputRefused(
            format_lazy(_("Stop {server} before changing its OS."), server=server.name)
        )
    image = image_lock_for_use(project=project, image=image, use="change_os")
    needed = system_disk_min_gb(image)
    previous = server.image_name
    server.image = image
    server.image_name = image.name
    server.save(update_fields=["image", "image_name"])
    system_disk = server.disks.select_for_update().filter(role=Disk.Role.SYSTEM).first()
    if system_disk is None:
        system_disk = Disk.objects.create(
            project=project,
            name=_disk_name(server.name, "-sys"),
            role=Disk.Role.SYSTEM,
            size_gb=needed,
            availability_zone=server.availability_zone,
            server=server,
            image=image,
            status=Disk.Status.IN_USE,
        )
    else:
        system_disk.image = image
        system_disk.size_gb = max(system_disk.size_gb, needed)
        system_disk.save(update_fields=["image", "size_gb"])
    note(
        resource_id=server.server_id,
        resource_name=server.name,
        detail={
            "image_id": str(image.pk),
            "image_name": image.name,
            "previous": previous,
            "system_disk_gb": system_disk.size_gb,
        },
    )
    return server


@audited(
    service="EVS",
    operation="createVolume",
    resource_type="volume",
    resource=lambda kw: ("", kw.get("name", "")),
)
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
        if image is not None:
            text = _("The disk size must be between {min} GB (what {image} needs) and {max} GB.")
        else:
            text = _("The disk size must be between {min} GB and {max} GB.")
        raise InputRefused(
            format_lazy(text, min=minimum, image=image.name if image else "", max=DATA_DISK_MAX_GB),
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
    note(
        resource_id=disk.disk_id,
        resource_name=disk.name,
        detail={"size_gb": size_gb, "image_id": str(image.pk) if image else None},
    )
    return disk
