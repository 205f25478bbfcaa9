"""Concurrent owner actions (D2, D7, D11): the image and member locks keep them consistent.

These run on every backend; on PostgreSQL they exercise select_for_update on the image
and member rows, on SQLite the immediate write transactions.
"""

import pytest

from console.audit.models import Message, Trace
from console.errors import ConsoleError, ShareRefused
from console.ids import new_hex32
from console.models import Project, Tenant
from ims.models import Image, ImageMember
from ims.services import image_delete, image_members_delete, image_replicate, image_share
from tests.factories import (
    BackupFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    ImageQuotaFactory,
    VaultFactory,
)
from tests.races import race, while_locked
from vaults.models import Backup

pytestmark = pytest.mark.django_db(transaction=True)


def new_projects(region, count):
    tenants = Tenant.objects.bulk_create(
        Tenant(name=f"Racer {new_hex32()[:8]}", account_id=new_hex32()) for _ in range(count)
    )
    return Project.objects.bulk_create(
        Project(tenant=t, region=region, project_id=new_hex32(), name=region.code) for t in tenants
    )


@pytest.mark.parametrize("attempt", range(3))
def test_two_shares_racing_for_the_last_recipient_slot(world, attempt):
    image = ImageFactory(owner=world.sharer_de, full_ecs=True)
    ImageMember.objects.bulk_create(
        ImageMember(image=image, project=p) for p in new_projects(world.de, 9)
    )
    first, second = new_projects(world.de, 2)

    def share(project):
        return lambda: image_share(
            actor=world.sharer_user,
            project=world.sharer_de,
            images=[image],
            project_ids=[project.project_id],
        )

    results = race(share(first), share(second))
    refused = [r for r in results if isinstance(r, ShareRefused)]
    assert len(refused) == 1, results
    assert "at most 10 projects" in str(refused[0])
    assert ImageMember.objects.filter(image=image).count() == 10
    assert Message.objects.filter(project__in=[first, second]).count() == 1


def test_deleting_an_image_waits_for_a_share_in_progress(world):
    image = ImageFactory(owner=world.sharer_de)

    def share_in_progress():
        Image.objects.select_for_update().get(pk=image.pk)
        ImageMember.objects.create(image=image, project=world.recipient_de)

    outcome = while_locked(
        share_in_progress,
        lambda: image_delete(actor=world.sharer_user, project=world.sharer_de, image=image),
    )
    # The locked image row makes the deletion wait and take the new member with it.
    assert [m.project for m in outcome] == [world.recipient_de], outcome
    assert not Image.objects.filter(pk=image.pk).exists() and not ImageMember.objects.exists()


def test_stopping_a_share_waits_for_an_accept_in_progress(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
    image = ImageFactory(owner=world.sharer_de, full_ecs=True)
    source = ImageBackupFactory(image=image, size_gb=60, device="/dev/vda")
    member = ImageMemberFactory(image=image, project=world.recipient_de)

    def accept_in_progress():
        ImageMember.objects.select_for_update().filter(pk=member.pk).update(
            status="accepted", vault=vault
        )
        BackupFactory(vault=vault, member=member, source=source, size_gb=60)

    outcome = while_locked(
        accept_in_progress,
        lambda: image_members_delete(
            actor=world.sharer_user,
            project=world.sharer_de,
            image=image,
            project_ids=[world.recipient_de.project_id],
        ),
    )
    assert [m.status for m in outcome] == ["accepted"], outcome
    assert not ImageMember.objects.exists() and not Backup.objects.exists()
    assert Trace.objects.get(operation="deleteMember").detail["released_backup_gb"] == 60


@pytest.mark.parametrize("attempt", range(2))
def test_two_replications_racing_for_the_last_private_image(world, attempt):
    ImageQuotaFactory(project=world.recipient_de, images=1)
    sources = ImageFactory.create_batch(2, owner=world.sharer_de)
    for source in sources:
        ImageMemberFactory(image=source, project=world.recipient_de, status="accepted")

    def replicate(source):
        return lambda: image_replicate(
            actor=world.recipient_user,
            project=world.recipient_de,
            image=source,
            name=f"copy_{source.name}",
        )

    results = race(*(replicate(source) for source in sources))
    refused = [r for r in results if isinstance(r, ConsoleError)]
    assert len(refused) == 1 and "private image quota" in str(refused[0]), results
    assert Image.objects.owned_by(world.recipient_de).count() == 1
