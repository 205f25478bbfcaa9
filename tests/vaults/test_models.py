"""Vaults and backups: capacity bounds, usage from backups, scoping, lifecycle."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError

from ims.models import ImageMember
from ims.services import image_delete, member_backups_release
from tests.factories import (
    BackupFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    VaultFactory,
)
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db


def integrity_error(create):
    """Run `create` in a savepoint and return whether the database refused it."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    ("capacity", "refused"),
    [(0, True), (9, True), (10, False), (10_485_760, False), (10_485_761, True)],
)
def test_vault_capacity_bounds(capacity, refused):
    assert integrity_error(lambda: VaultFactory(capacity_gb=capacity)) is refused


def test_capacity_bounds_match_the_class_constants():
    assert (Vault.MIN_CAPACITY_GB, Vault.MAX_CAPACITY_GB) == (10, 10_485_760)


def test_backup_size_must_be_positive():
    assert integrity_error(lambda: BackupFactory(size_gb=0))


def test_a_member_stores_each_source_backup_once():
    backup = BackupFactory()
    assert integrity_error(
        lambda: BackupFactory(vault=backup.vault, member=backup.member, source=backup.source)
    )


def stored_full_ecs(vault, sizes, owner=None):
    """Accept a full-ECS image into `vault`: one stored backup per disk size."""
    image = ImageFactory(
        full_ecs=True, region=vault.project.region, **({"owner": owner} if owner else {})
    )
    member = ImageMemberFactory(
        image=image, project=vault.project, status=ImageMember.Status.ACCEPTED, vault=vault
    )
    for size in sizes:
        BackupFactory(
            vault=vault, member=member, source=ImageBackupFactory(image=image, size_gb=size)
        )
    return member


def test_with_usage_sums_the_backups_per_vault(world):
    full = VaultFactory(project=world.recipient_de, name="a", capacity_gb=200)
    VaultFactory(project=world.recipient_de, name="b", capacity_gb=50)
    stored_full_ecs(full, [40, 60])
    stored_full_ecs(full, [10])

    usage = {
        v.name: (v.used_gb, v.free_gb)
        for v in Vault.objects.for_project(world.recipient_de).with_usage()
    }

    assert usage == {"a": (110, 90), "b": (0, 50)}


def test_with_usage_is_not_confused_by_other_projects_backups(world):
    mine = VaultFactory(project=world.recipient_de, capacity_gb=100)
    theirs = VaultFactory(project=world.sharer_de, capacity_gb=100)
    stored_full_ecs(theirs, [70])

    vault = Vault.objects.for_project(world.recipient_de).with_usage().get()

    assert vault == mine
    assert (vault.used_gb, vault.free_gb) == (0, 100)


def test_for_project_never_returns_another_projects_vaults(world):
    mine = VaultFactory(project=world.recipient_de)
    VaultFactory(project=world.recipient_nl)
    VaultFactory(project=world.sharer_de)

    assert list(Vault.objects.for_project(world.recipient_de)) == [mine]
    assert list(Vault.objects.for_project(world.recipient_de).with_usage()) == [mine]


def test_used_free_and_percent_without_annotation(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
    assert (vault.used(), vault.free(), vault.usage_percent()) == (0, 200, 0)

    stored_full_ecs(vault, [40, 60])
    vault = Vault.objects.get(pk=vault.pk)
    assert (vault.used(), vault.free(), vault.usage_percent()) == (100, 100, 50)


def test_used_and_free_with_annotation_need_no_query(world, django_assert_num_queries):
    stored_full_ecs(VaultFactory(project=world.recipient_de, capacity_gb=50), [25])
    vault = Vault.objects.for_project(world.recipient_de).with_usage().get()

    with django_assert_num_queries(0):
        assert (vault.used(), vault.free(), vault.usage_percent()) == (25, 25, 50)


def test_usage_percent_is_capped_at_100(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=10)
    stored_full_ecs(vault, [40])
    assert Vault.objects.with_usage().get(pk=vault.pk).usage_percent() == 100


def test_removing_the_share_removes_its_backups(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
    kept = stored_full_ecs(vault, [30])
    dropped = stored_full_ecs(vault, [40, 60])

    member_backups_release([dropped])
    dropped.delete()

    assert set(Backup.objects.filter(vault=vault)) == set(Backup.objects.filter(share__member=kept))
    assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 30


def test_deleting_the_image_frees_the_vault(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
    member = stored_full_ecs(vault, [40, 60], owner=world.sharer_de)

    image_delete(actor=world.sharer_user, project=member.image.owner, image=member.image)

    assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 0
    assert not Backup.objects.exists()


def test_a_vault_holding_backups_cannot_be_deleted_alone(world):
    vault = VaultFactory(project=world.recipient_de)
    stored_full_ecs(vault, [40])

    with pytest.raises(RestrictedError), transaction.atomic():
        vault.delete()
    assert Vault.objects.filter(pk=vault.pk).exists()


def test_deleting_the_project_deletes_vaults_and_backups(world):
    vault = VaultFactory(project=world.recipient_de)
    stored_full_ecs(vault, [40])

    world.recipient_de.delete()

    assert not Vault.objects.filter(pk=vault.pk).exists()
    assert not Backup.objects.exists()
