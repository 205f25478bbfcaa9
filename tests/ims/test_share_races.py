"""Concurrent answers (D7): locked rows keep vaults from overfilling and batches whole.

These run on every backend; on PostgreSQL (CI's second run) they exercise the row locks
taken with select_for_update, on SQLite the immediate write transactions.
"""

import pytest

from console.audit.models import Trace
from console.errors import ImsError
from ims.models import ImageMember
from ims.services import shares_accept, shares_reject
from tests.factories import (
    BackupFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    VaultFactory,
)
from tests.races import race, while_locked
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db(transaction=True)


def full_ecs_share(world, size):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de, full_ecs=True), project=world.recipient_de
    )
    ImageBackupFactory(image=member.image, size_gb=size, device="/dev/vda")
    return member


@pytest.mark.parametrize("attempt", range(3))
def test_two_accepts_racing_for_the_last_free_capacity(world, attempt):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
    first, second = full_ecs_share(world, 60), full_ecs_share(world, 60)

    def accept(member):
        return lambda: shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[member.pk],
            vault=vault,
        )

    results = race(accept(first), accept(second))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ImsError) and errors[0].code == "IMG.0182"
    assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 60
    statuses = sorted(ImageMember.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "pending"]
    assert Trace.objects.filter(operation="updateMember", result="success").count() == 1
    assert Trace.objects.filter(operation="updateMember", result="failed").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_accept_racing_a_reject_of_the_same_share(world, attempt):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
    member = full_ecs_share(world, 60)
    results = race(
        lambda: shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[member.pk],
            vault=vault,
        ),
        lambda: shares_reject(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        ),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    member.refresh_from_db()
    traces = list(Trace.objects.filter(operation="updateMember").order_by("created", "id"))
    # Whichever ran second decided the end state, and the audit trail says so.
    assert traces and traces[-1].detail["status"] == member.status
    if member.status == "accepted":
        assert member.vault == vault and Backup.objects.filter(share__member=member).count() == 1
    else:
        assert member.vault is None and not Backup.objects.exists()


def test_accept_waits_for_the_owner_stopping_the_share(world):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de), project=world.recipient_de
    )

    def stop_sharing():
        ImageMember.objects.select_for_update().get(pk=member.pk).delete()

    outcome = while_locked(
        stop_sharing,
        lambda: shares_accept(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        ),
    )
    # The locked share row makes the accept wait, then find the share gone.
    assert isinstance(outcome, ImsError) and outcome.code == "IMG.0144", outcome
    assert not Trace.objects.filter(result="success").exists()


def test_accept_waits_for_another_accept_filling_the_vault(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
    first, second = full_ecs_share(world, 60), full_ecs_share(world, 60)
    source = first.image.backups.get()

    def accept_first():
        Vault.objects.select_for_update().get(pk=vault.pk)
        BackupFactory(vault=vault, member=first, source=source, size_gb=60)

    outcome = while_locked(
        accept_first,
        lambda: shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[second.pk],
            vault=vault,
        ),
    )
    assert isinstance(outcome, ImsError) and outcome.code == "IMG.0182", outcome
    assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 60
