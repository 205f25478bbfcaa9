"""Create Image from an ECS or an EVS data disk: ECS locks its server, IMS makes the image.

The image rules live in ims.services.creation; what only ECS knows (which servers and
disks the project has, their state) is checked here, before the disks are described to IMS.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited
from console.compute.models import Disk, Server
from console.errors import ImsError, NotFound
from console.models import DiskRole, Project, User
from console.services import ensure_can_change
from ims.models import Image
from ims.services.creation import DiskSpec, data_disk_refusal, image_create_from_disks
from vaults.models import Vault

# Only these servers may become images (§1.3; decided over IMG.0008's "stopped" wording).
USABLE_SERVER_STATES = (Server.Status.RUNNING, Server.Status.STOPPED)


def server_refusal(server: Server) -> ImsError | None:
    """IMG.0126 unless the server is running or stopped."""
    if server.status not in USABLE_SERVER_STATES:
        return ImsError(
            "IMG.0126",
            format_lazy(_("{server} is neither running nor stopped."), server=server.name),
        )
    return None


def server_disks(server: Server) -> list[DiskSpec]:
    """The server's disks as IMS needs them: the system disk first, then the data disks."""
    disks = sorted(server.disks.all(), key=lambda d: (d.role != DiskRole.SYSTEM, d.pk))
    return [DiskSpec(d.name, d.role, d.size_gb) for d in disks]


def _source_os(server: Server) -> tuple[str, str]:
    image = server.image
    if image is None:
        return Image.OsType.LINUX, server.image_name
    return image.os_type, image.os


def _resource(kw: dict[str, object]) -> tuple[object, str]:
    return "", str(kw.get("name", ""))


@audited(service="IMS", operation="createImage", resource_type="image", resource=_resource)
def image_create_from_server(
    *,
    actor: User,
    project: Project,
    server: Server,
    name: str,
    description: str = "",
    tags: Sequence[tuple[str, str]] = (),
    full_ecs: bool = False,
    vault: Vault | None = None,
) -> Image:
    """A system disk image of a server, or with `full_ecs` a full-ECS image into `vault`."""
    ensure_can_change(actor)
    # Another project's server is as absent as a made-up one.
    locked = Server.objects.for_project(project).select_for_update().filter(pk=server.pk).first()
    if locked is None:
        raise NotFound("IMG.0005")
    if refusal := server_refusal(locked):
        refusal.field = "server"
        raise refusal
    os_type, os = _source_os(locked)
    return image_create_from_disks(
        project=project,
        disks=server_disks(locked),
        image_type=Image.ImageType.FULL_ECS if full_ecs else Image.ImageType.SYSTEM,
        os_type=os_type,
        os=os,
        name=name,
        description=description,
        tags=tags,
        vault=vault,
    )


@audited(service="IMS", operation="createImage", resource_type="image", resource=_resource)
def image_create_from_disk(
    *,
    actor: User,
    project: Project,
    disk: Disk,
    name: str,
    description: str = "",
    tags: Sequence[tuple[str, str]] = (),
) -> Image:
    """A data disk image of an EVS data disk attached to a server of the project."""
    ensure_can_change(actor)
    locked = Disk.objects.for_project(project).select_for_update().filter(pk=disk.pk).first()
    if locked is None:
        raise NotFound("IMG.0120")
    spec = DiskSpec(locked.name, locked.role, locked.size_gb)
    if refusal := data_disk_refusal(spec, attached=locked.server_id is not None):
        refusal.field = "disk"
        raise refusal
    os_type, os = _source_os(locked.server)
    return image_create_from_disks(
        project=project,
        disks=[spec],
        image_type=Image.ImageType.DATA,
        os_type=os_type,
        os=os,
        name=name,
        description=description,
        tags=tags,
    )
