"""Worlds for the benchmark: one recipient project holding N shares next to a noisy one."""

from __future__ import annotations

from dataclasses import dataclass

from console.models import Project, User
from ims.models import Image, ImageBackup, ImageMember
from tests.factories import ProjectFactory, RegionFactory, TenantFactory, UserFactory
from vaults.models import Vault

# Of every ten shares: two pending, six accepted, two rejected (the mix).
MIX = ["pending"] * 2 + ["accepted"] * 6 + ["rejected"] * 2


@dataclass
class World:
    """A sharer with `size` images shared with `recipient` and with a noisy project."""

    size: int
    owner: Project
    owner_user: User
    recipient: Project
    user: User
    images: list[Image]


def _image(owner: Project, i: int, tag: str) -> Image:
    # One image in fifty is a full-ECS image, so the banner has backup totals to show.
    full_ecs = i % 50 == 7
    return Image(
        owner=owner,
        region=owner.region,
        name=f"{tag}-{i:05d}",
        image_type="full_ecs" if full_ecs else ("data" if i % 5 == 0 else "system"),
        full_ecs_source="cbr" if full_ecs else "",
        os_type="Linux",
        os="Ubuntu 22.04 server 64bit",
        min_disk_gb=40,
        size_gb="2.50",
    )


def world(size: int, tag: str) -> World:
    """Seed a world: `size` images, each shared with the recipient and the noisy project."""
    region = RegionFactory(code="eu-de", name="EU-Germany", is_default=True)
    owner = ProjectFactory(tenant=TenantFactory(name=f"Owner {tag}"), region=region)
    recipient = ProjectFactory(tenant=TenantFactory(name=f"Recipient {tag}"), region=region)
    noisy = ProjectFactory(tenant=TenantFactory(name=f"Noisy {tag}"), region=region)
    images = Image.objects.bulk_create(_image(owner, i, tag) for i in range(size))
    ImageBackup.objects.bulk_create(
        ImageBackup(image=image, role=role, device=device, size_gb=size_gb)
        for image in images
        if image.image_type == "full_ecs"
        for role, device, size_gb in (("system", "/dev/vda", 40), ("data", "/dev/vdb", 100))
    )
    for project, offset in ((recipient, 0), (noisy, 3)):
        ImageMember.objects.bulk_create(
            (
                ImageMember(image=image, project=project, status=MIX[(i + offset) % len(MIX)])
                for i, image in enumerate(images)
            ),
            batch_size=5000,
        )
    return World(
        size=size,
        owner=owner,
        owner_user=UserFactory(username=f"owner-{tag}", tenant=owner.tenant),
        recipient=recipient,
        user=UserFactory(username=f"recipient-{tag}", tenant=recipient.tenant),
        images=images,
    )


@dataclass
class BatchWorld:
    """A project with `size` pending shares of `images`, and a vault for the full-ECS ones."""

    project: Project
    user: User
    vault: Vault


def batch_world(images: list[Image], tag: str) -> BatchWorld:
    """Share every image with one more project, all pending: the Accept All case."""
    region = images[0].region
    project = ProjectFactory(tenant=TenantFactory(name=f"Batch {tag}"), region=region)
    ImageMember.objects.bulk_create(
        (ImageMember(image=image, project=project) for image in images), batch_size=5000
    )
    vault = Vault.objects.create(
        project=project,
        name=f"vault-{tag}",
        resource_type="server",
        protection_type="backup",
        capacity_gb=Vault.MAX_CAPACITY_GB,
    )
    return BatchWorld(
        project=project,
        user=UserFactory(username=f"batch-{tag}", tenant=project.tenant),
        vault=vault,
    )


def recipients_world(image: Image, count: int, tag: str) -> list[Project]:
    """Projects of other tenants that `image` is shared with (accepted), `count` of them."""
    projects = [
        ProjectFactory(tenant=TenantFactory(name=f"Peer {tag} {i}"), region=image.region)
        for i in range(count)
    ]
    ImageMember.objects.bulk_create(
        ImageMember(image=image, project=project, status="accepted") for project in projects
    )
    return projects
