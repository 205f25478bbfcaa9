"""Recipient services: accepting and rejecting shares (D4–D8, D12)."""

import pytest

from console.audit.models import Trace
from console.errors import ImsError, RoleRefused
from ims.models import ImageMember
from ims.services import full_ecs_required_gb, shares_accept, shares_reject
from tests.factories import (
    BackupFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    VaultFactory,
)
from vaults.models import Backup, Vault
from vaults.services import vault_refusal

pytestmark = pytest.mark.django_db

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"


def share(world, status=PENDING, **image_kwargs):
    image = ImageFactory(owner=world.sharer_de, **image_kwargs)
    return ImageMemberFactory(image=image, project=world.recipient_de, status=status)


def full_ecs_share(world, sizes=(40, 60), status=PENDING):
    member = share(world, status=status, full_ecs=True)
    for i, size in enumerate(sizes):
        ImageBackupFactory(
            image=member.image,
            role="system" if i == 0 else "data",
            size_gb=size,
            device=f"/dev/vd{'abcdefgh'[i]}",
        )
    return member


def statuses(*members):
    return [ImageMember.objects.get(pk=m.pk).status for m in members]


class TestAccept:
    def test_accepts_selected_pending_shares_only(self, world):
        a, b, c = share(world), share(world), share(world)
        answer = shares_accept(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[a.pk, b.pk]
        )
        assert {m.pk for m in answer.changed} == {a.pk, b.pk}
        assert statuses(a, b, c) == [ACCEPTED, ACCEPTED, PENDING]

    def test_accept_all_takes_every_pending_share_of_the_project_only(self, world):
        a, b = share(world), share(world)
        rejected = share(world, status=REJECTED)
        other_region = ImageMemberFactory(
            image=ImageFactory(owner=world.sharer_nl), project=world.recipient_nl
        )
        shares_accept(actor=world.recipient_user, project=world.recipient_de)
        assert statuses(a, b, rejected, other_region) == [ACCEPTED, ACCEPTED, REJECTED, PENDING]

    def test_rejected_share_can_be_accepted_again(self, world):
        member = share(world, status=REJECTED)
        shares_accept(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        )
        assert statuses(member) == [ACCEPTED]

    def test_already_accepted_is_left_unchanged(self, world):
        member = share(world, status=ACCEPTED)
        answer = shares_accept(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        )
        assert answer.changed == [] and [m.pk for m in answer.unchanged] == [member.pk]
        assert not Trace.objects.exists()

    def test_records_an_update_member_trace_per_image(self, world):
        a, b = share(world), share(world)
        shares_accept(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[a.pk, b.pk]
        )
        traces = Trace.objects.filter(operation="updateMember", tenant=world.recipient)
        assert traces.count() == 2
        assert {t.resource_name for t in traces} == {a.image.name, b.image.name}
        assert all(
            t.detail["status"] == ACCEPTED and t.user == world.recipient_user for t in traces
        )

    def test_another_projects_member_fails_the_whole_batch(self, world):
        mine = share(world)
        foreign = ImageMemberFactory(
            image=ImageFactory(owner=world.recipient_de), project=world.sharer_de
        )
        with pytest.raises(ImsError) as error:
            shares_accept(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[mine.pk, foreign.pk],
            )
        assert error.value.code == "IMG.0144"
        assert statuses(mine, foreign) == [PENDING, PENDING]

    def test_readonly_user_is_refused_and_nothing_changes(self, world):
        member = share(world)
        with pytest.raises(RoleRefused):
            shares_accept(
                actor=world.readonly_user, project=world.recipient_de, member_ids=[member.pk]
            )
        assert statuses(member) == [PENDING]
        assert not Trace.objects.filter(result="success").exists()
        failed = Trace.objects.get(result="failed")
        assert failed.operation == "updateMember" and failed.detail["error"]


class TestAcceptFullEcs:
    def test_full_ecs_needs_a_vault(self, world):
        member = full_ecs_share(world)
        with pytest.raises(ImsError) as error:
            shares_accept(
                actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
            )
        assert error.value.code == "IMG.0184"
        assert statuses(member) == [PENDING]

    def test_stores_every_disk_backup_in_the_vault(self, world):
        member = full_ecs_share(world, sizes=(40, 60))
        vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
        shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[member.pk],
            vault=vault,
        )
        member.refresh_from_db()
        assert member.status == ACCEPTED and member.vault == vault
        assert sorted(Backup.objects.filter(vault=vault).values_list("size_gb", flat=True)) == [
            40,
            60,
        ]
        assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 100

    def test_capacity_is_checked_against_the_sum_of_all_full_ecs_images_in_the_action(self, world):
        a = full_ecs_share(world, sizes=(40, 40))
        b = full_ecs_share(world, sizes=(30,))
        vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
        assert full_ecs_required_gb([a, b]) == 110
        with pytest.raises(ImsError) as error:
            shares_accept(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[a.pk, b.pk],
                vault=vault,
            )
        assert error.value.code == "IMG.0182"
        assert "110 GB" in error.value.message and "100 GB free" in error.value.message
        assert statuses(a, b) == [PENDING, PENDING]
        assert not Backup.objects.exists()

    def test_free_capacity_counts_backups_already_in_the_vault(self, world):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=120)
        BackupFactory(vault=vault, size_gb=30, source__size_gb=30)
        member = full_ecs_share(world, sizes=(40, 60))
        with pytest.raises(ImsError) as error:
            shares_accept(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[member.pk],
                vault=vault,
            )
        assert error.value.code == "IMG.0182"
        vault.capacity_gb = 130
        vault.save()
        shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[member.pk],
            vault=vault,
        )
        assert statuses(member) == [ACCEPTED]

    def test_exactly_enough_free_capacity_is_enough(self, world):
        member = full_ecs_share(world, sizes=(40, 60))
        vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
        shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[member.pk],
            vault=vault,
        )
        assert statuses(member) == [ACCEPTED]

    def test_one_gb_short_is_refused(self, world):
        member = full_ecs_share(world, sizes=(40, 60))
        vault = VaultFactory(project=world.recipient_de, capacity_gb=99)
        with pytest.raises(ImsError) as error:
            shares_accept(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[member.pk],
                vault=vault,
            )
        assert error.value.code == "IMG.0182"
        assert statuses(member) == [PENDING] and not Backup.objects.exists()

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"resource_type": "disk"}, "IMG.0193"),
            ({"resource_type": "sfs"}, "IMG.0193"),
            ({"protection_type": "replication"}, "IMG.0193"),
            ({"status": "error"}, "IMG.0188"),
            ({"status": "locked"}, "IMG.0188"),
        ],
    )
    def test_ineligible_vaults_are_refused_with_their_code(self, world, fields, code):
        member = full_ecs_share(world)
        vault = VaultFactory(project=world.recipient_de, capacity_gb=1000, **fields)
        with pytest.raises(ImsError) as error:
            shares_accept(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[member.pk],
                vault=vault,
            )
        assert error.value.code == code
        assert statuses(member) == [PENDING]
        assert vault_refusal(vault, required_gb=1).code == code

    @pytest.mark.parametrize("owner", ["sharer_de", "recipient_nl"])
    def test_another_projects_vault_is_refused(self, world, owner):
        # recipient_nl: the recipient's own tenant, but another region (D5).
        member = full_ecs_share(world)
        vault = VaultFactory(project=getattr(world, owner), capacity_gb=1000)
        with pytest.raises(ImsError) as error:
            shares_accept(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[member.pk],
                vault=vault,
            )
        assert error.value.code == "IMG.0184"
        assert statuses(member) == [PENDING]

    def test_mixed_batch_is_all_or_nothing(self, world):
        plain = share(world)
        full = full_ecs_share(world, sizes=(80, 80))
        vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
        with pytest.raises(ImsError):
            shares_accept(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[plain.pk, full.pk],
                vault=vault,
            )
        assert statuses(plain, full) == [PENDING, PENDING]
        assert not Trace.objects.filter(result="success").exists()
        failed = Trace.objects.get(result="failed")
        assert failed.operation == "updateMember" and failed.detail["error"]

    def test_a_batch_without_full_ecs_images_needs_no_vault(self, world):
        a = share(world)
        shares_accept(actor=world.recipient_user, project=world.recipient_de, member_ids=[a.pk])
        a.refresh_from_db()
        assert a.status == ACCEPTED and a.vault is None


class TestReject:
    def test_rejects_pending_and_accepted_shares(self, world):
        pending, accepted = share(world), share(world, status=ACCEPTED)
        answer = shares_reject(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[pending.pk, accepted.pk],
        )
        assert len(answer.changed) == 2
        assert statuses(pending, accepted) == [REJECTED, REJECTED]
        assert Trace.objects.filter(operation="updateMember", detail__status=REJECTED).count() == 2

    def test_rejecting_a_full_ecs_image_releases_its_vault_backups(self, world):
        member = full_ecs_share(world, sizes=(40, 60))
        vault = VaultFactory(project=world.recipient_de, capacity_gb=100)
        shares_accept(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[member.pk],
            vault=vault,
        )
        shares_reject(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        )
        member.refresh_from_db()
        assert member.status == REJECTED and member.vault is None
        assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 0

    def test_rejecting_keeps_servers_and_disks_created_from_the_image(self, world):
        from tests.factories import DiskFactory, ServerFactory

        member = share(world, status=ACCEPTED)
        server = ServerFactory(project=world.recipient_de, image=member.image)
        disk = DiskFactory(project=world.recipient_de, image=member.image)
        shares_reject(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        )
        server.refresh_from_db()
        disk.refresh_from_db()
        assert server.image == member.image and disk.image == member.image

    def test_nothing_goes_back_to_pending(self, world):
        member = share(world, status=ACCEPTED)
        shares_reject(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        )
        shares_accept(
            actor=world.recipient_user, project=world.recipient_de, member_ids=[member.pk]
        )
        assert statuses(member) == [ACCEPTED]
        assert not ImageMember.objects.filter(status=PENDING).exists()

    def test_readonly_user_is_refused(self, world):
        member = share(world, status=ACCEPTED)
        with pytest.raises(RoleRefused):
            shares_reject(
                actor=world.readonly_user, project=world.recipient_de, member_ids=[member.pk]
            )
        assert statuses(member) == [ACCEPTED]

    def test_unknown_member_fails_the_whole_batch(self, world):
        member = share(world)
        with pytest.raises(ImsError):
            shares_reject(
                actor=world.recipient_user,
                project=world.recipient_de,
                member_ids=[member.pk, 999999],
            )
        assert statuses(member) == [PENDING]
