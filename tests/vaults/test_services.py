"""Vault services: create, expand, delete — rules, refusals, traces."""

from __future__ import annotations

import pytest

from console.audit.models import Trace
from console.errors import (
    RoleRefused,
    VaultCapacityInvalid,
    VaultChoiceInvalid,
    VaultHoldsBackups,
    VaultNameInvalid,
    VaultNotFound,
)
from ims.models import ImageMember
from tests.factories import BackupFactory, ImageMemberFactory, ProjectFactory, VaultFactory
from tests.races import race, while_locked
from vaults.models import Backup, Vault
from vaults.services import vault_create, vault_delete, vault_expand

pytestmark = pytest.mark.django_db


def create(world, **overrides):
    kwargs = {
        "actor": world.recipient_user,
        "project": world.recipient_de,
        "name": "vault-new",
        "resource_type": Vault.ResourceType.SERVER,
        "protection_type": Vault.ProtectionType.BACKUP,
        "capacity_gb": 120,
    } | overrides
    return vault_create(**kwargs)


class TestVaultCreate:
    def test_creates_the_vault_and_records_a_trace(self, world):
        vault = create(world)
        vault.refresh_from_db()
        assert vault.project == world.recipient_de
        assert (vault.name, vault.resource_type, vault.protection_type, vault.capacity_gb) == (
            "vault-new",
            "server",
            "backup",
            120,
        )
        assert vault.status == Vault.Status.AVAILABLE
        trace = Trace.objects.get()
        assert (trace.service, trace.operation, trace.resource_type) == (
            "CBR",
            "createVault",
            "vault",
        )
        assert trace.resource_id == str(vault.vault_id)
        assert trace.resource_name == "vault-new"
        assert trace.user == world.recipient_user
        assert trace.project == world.recipient_de
        assert trace.detail["capacity_gb"] == 120

    def test_readonly_user_is_refused(self, world):
        with pytest.raises(RoleRefused):
            create(world, actor=world.readonly_user)
        assert not Vault.objects.exists()
        failed = Trace.objects.get()
        assert (failed.service, failed.operation, failed.result) == ("CBR", "createVault", "failed")
        assert failed.user == world.readonly_user
        assert failed.detail["error"].startswith("IMG.0026")

    def test_another_tenants_project_is_refused(self, world):
        with pytest.raises(VaultNotFound):
            create(world, project=world.sharer_de)
        assert not Vault.objects.exists()

    @pytest.mark.parametrize("name", ["a", "A_b-9", "x" * 64, "vault_2024-prod"])
    def test_valid_names(self, world, name):
        assert create(world, name=name).name == name

    @pytest.mark.parametrize(
        "name", ["", "x" * 65, "my vault", "vault!", "vault.prod", "tresor-ü", "vault\n"]
    )
    def test_invalid_names_are_refused(self, world, name):
        with pytest.raises(VaultNameInvalid, match="letters, digits"):
            create(world, name=name)
        assert not Vault.objects.exists()

    def test_name_is_unique_within_the_project_ignoring_case(self, world):
        VaultFactory(project=world.recipient_de, name="vault-a")
        with pytest.raises(VaultNameInvalid, match="already exists"):
            create(world, name="vault-a")
        with pytest.raises(VaultNameInvalid, match="already exists"):
            create(world, name="VAULT-A")
        assert Vault.objects.filter(project=world.recipient_de).count() == 1

    def test_same_name_in_another_project_is_allowed(self, world):
        VaultFactory(project=world.recipient_nl, name="vault-a")
        VaultFactory(project=world.sharer_de, name="vault-a")
        assert create(world, name="vault-a").project == world.recipient_de

    @pytest.mark.parametrize("capacity", [Vault.MIN_CAPACITY_GB, Vault.MAX_CAPACITY_GB])
    def test_capacity_bounds_are_inclusive(self, world, capacity):
        assert create(world, capacity_gb=capacity).capacity_gb == capacity

    @pytest.mark.parametrize("capacity", [0, 9, 10_485_761, -5])
    def test_capacity_outside_the_bounds_is_refused(self, world, capacity):
        with pytest.raises(VaultCapacityInvalid, match="between 10 and 10485760 GB"):
            create(world, capacity_gb=capacity)
        assert not Vault.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"), [("resource_type", "tape"), ("protection_type", "archive")]
    )
    def test_unknown_choices_are_refused(self, world, field, value):
        with pytest.raises(VaultChoiceInvalid, match=value):
            create(world, **{field: value})
        assert not Vault.objects.exists()


class TestVaultExpand:
    def test_expands_and_records_a_trace(self, world):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        result = vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=80)
        vault.refresh_from_db()
        assert vault.capacity_gb == result.capacity_gb == 80
        trace = Trace.objects.get()
        assert (trace.service, trace.operation, trace.resource_type) == (
            "CBR",
            "updateVault",
            "vault",
        )
        assert trace.resource_id == str(vault.vault_id)
        assert trace.detail == {"capacity_gb": {"from": 50, "to": 80}}

    @pytest.mark.parametrize("capacity", [50, 49, 10])
    def test_never_shrinks_or_stays(self, world, capacity):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        with pytest.raises(VaultCapacityInvalid, match=r"greater than the current capacity \(50"):
            vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=capacity)
        vault.refresh_from_db()
        assert vault.capacity_gb == 50
        assert list(Trace.objects.values_list("result", flat=True)) == ["failed"]

    def test_maximum_is_allowed_and_beyond_refused(self, world):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        with pytest.raises(VaultCapacityInvalid, match="10485760"):
            vault_expand(
                actor=world.recipient_user, vault=vault, capacity_gb=Vault.MAX_CAPACITY_GB + 1
            )
        vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=Vault.MAX_CAPACITY_GB)
        vault.refresh_from_db()
        assert vault.capacity_gb == Vault.MAX_CAPACITY_GB

    def test_checks_the_current_row_not_a_stale_copy(self, world):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        Vault.objects.filter(pk=vault.pk).update(capacity_gb=100)
        with pytest.raises(VaultCapacityInvalid, match=r"current capacity \(100 GB\)"):
            vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=80)
        vault.refresh_from_db()
        assert vault.capacity_gb == 100

    def test_never_below_used(self, world):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
        BackupFactory(vault=vault, source__size_gb=150)
        # Capacity below what the vault holds (e.g. set by an operator) cannot be kept.
        Vault.objects.filter(pk=vault.pk).update(capacity_gb=100)
        with pytest.raises(VaultCapacityInvalid, match=r"used capacity \(150 GB\)"):
            vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=120)
        vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=150)
        vault.refresh_from_db()
        assert vault.capacity_gb == 150

    def test_readonly_user_is_refused(self, world):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        with pytest.raises(RoleRefused):
            vault_expand(actor=world.readonly_user, vault=vault, capacity_gb=80)
        vault.refresh_from_db()
        assert vault.capacity_gb == 50
        failed = Trace.objects.get()
        assert (failed.operation, failed.result, failed.resource_id) == (
            "updateVault",
            "failed",
            str(vault.vault_id),
        )

    def test_another_tenants_vault_is_refused(self, world):
        vault = VaultFactory(project=world.sharer_de, capacity_gb=50)
        with pytest.raises(VaultNotFound):
            vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=80)
        vault.refresh_from_db()
        assert vault.capacity_gb == 50

    def test_a_deleted_vault_is_not_found(self, world):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        Vault.objects.filter(pk=vault.pk).delete()
        with pytest.raises(VaultNotFound):
            vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=80)


class TestVaultDelete:
    def test_deletes_an_empty_vault_and_records_a_trace(self, world):
        vault = VaultFactory(project=world.recipient_de, name="vault-gone")
        vault_delete(actor=world.recipient_user, vault=vault)
        assert not Vault.objects.filter(pk=vault.pk).exists()
        trace = Trace.objects.get()
        assert (trace.service, trace.operation, trace.resource_type) == (
            "CBR",
            "deleteVault",
            "vault",
        )
        assert (trace.resource_id, trace.resource_name) == (str(vault.vault_id), "vault-gone")

    def test_refused_while_the_vault_holds_backups(self, world):
        vault = VaultFactory(project=world.recipient_de)
        BackupFactory(vault=vault)
        with pytest.raises(VaultHoldsBackups) as refused:
            vault_delete(actor=world.recipient_user, vault=vault)
        assert refused.value.message == (
            "The vault holds backups of accepted full-ECS images. Reject those images first."
        )
        assert Vault.objects.filter(pk=vault.pk).exists()
        assert Backup.objects.filter(vault=vault).count() == 1
        assert list(Trace.objects.values_list("result", flat=True)) == ["failed"]

    def test_a_member_that_pointed_at_the_vault_forgets_it(self, world):
        vault = VaultFactory(project=world.recipient_de)
        member = ImageMemberFactory(
            project=world.recipient_de,
            image__owner=world.sharer_de,
            status=ImageMember.Status.REJECTED,
            vault=vault,
        )
        vault_delete(actor=world.recipient_user, vault=vault)
        member.refresh_from_db()
        assert member.vault is None

    def test_readonly_user_is_refused(self, world):
        vault = VaultFactory(project=world.recipient_de)
        with pytest.raises(RoleRefused):
            vault_delete(actor=world.readonly_user, vault=vault)
        assert Vault.objects.filter(pk=vault.pk).exists()

    def test_another_tenants_vault_is_refused(self, world):
        vault = VaultFactory(project=ProjectFactory(region=world.de))
        with pytest.raises(VaultNotFound):
            vault_delete(actor=world.recipient_user, vault=vault)
        assert Vault.objects.filter(pk=vault.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_creates_with_the_same_name_racing(world, attempt):
    results = race(
        lambda: create(world, name="vault-race"), lambda: create(world, name="vault-race")
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], VaultNameInvalid)
    assert Vault.objects.filter(project=world.recipient_de, name="vault-race").count() == 1
    assert Trace.objects.filter(operation="createVault", result="success").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_expand_waits_for_another_expand_in_progress(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=50)

    def expand_to_80():
        Vault.objects.select_for_update().filter(pk=vault.pk).update(capacity_gb=80)

    outcome = while_locked(
        expand_to_80,
        lambda: vault_expand(actor=world.recipient_user, vault=vault, capacity_gb=70),
    )
    # The locked vault row makes the second expand see 80 GB: 70 GB would shrink it.
    assert isinstance(outcome, VaultCapacityInvalid), outcome
    vault.refresh_from_db()
    assert vault.capacity_gb == 80
