"""Vault forms on their own (the services re-check the same rules under lock)."""

from __future__ import annotations

import pytest

from tests.factories import BackupFactory, ProjectFactory, VaultFactory
from vaults.forms import VaultCreateForm, VaultExpandForm
from vaults.models import Vault

pytestmark = pytest.mark.django_db


def create_form(project=None, **overrides):
    data = {
        "name": "vault-new",
        "resource_type": "server",
        "protection_type": "backup",
        "capacity_gb": "120",
    } | overrides
    return VaultCreateForm(data, project=project or ProjectFactory())


class TestVaultCreateForm:
    def test_valid(self):
        form = create_form()
        assert form.is_valid(), form.errors
        assert form.cleaned_data["capacity_gb"] == 120

    @pytest.mark.parametrize("capacity", ["9", "10485761"])
    def test_capacity_bounds_are_named(self, capacity):
        form = create_form(capacity_gb=capacity)
        assert form.errors["capacity_gb"] == ["Enter a capacity between 10 and 10485760 GB."]

    @pytest.mark.parametrize("name", ["bad name", "x" * 65, "naïve"])
    def test_name_rule(self, name):
        form = create_form(name=name)
        assert form.errors["name"] == [
            "Enter a valid vault name: 1 to 64 characters: letters, digits, underscores (_) "
            "and hyphens (-)."
        ]

    def test_unbound_form_suggests_a_name(self):
        assert VaultCreateForm(project=ProjectFactory())["name"].value().startswith("vault-")

    def test_name_taken_in_the_project_ignoring_case(self):
        vault = VaultFactory(name="vault-a")
        form = create_form(project=vault.project, name="Vault-A", capacity_gb="1")
        assert form.errors["name"] == ["A vault named Vault-A already exists in this project."]
        assert "capacity_gb" in form.errors
        assert create_form(name="vault-a").is_valid()

    def test_resource_and_protection_type_choices(self):
        form = VaultCreateForm(project=ProjectFactory())
        assert [label for _, label in form.fields["resource_type"].choices] == [
            "Cloud server backup",
            "Cloud disk backup",
            "SFS Turbo backup",
        ]
        assert [label for _, label in form.fields["protection_type"].choices] == [
            "Backup",
            "Replication",
        ]


class TestVaultExpandForm:
    @pytest.mark.parametrize("capacity", ["50", "49"])
    def test_must_exceed_the_current_capacity(self, capacity):
        vault = VaultFactory(capacity_gb=50)
        form = VaultExpandForm({"capacity_gb": capacity}, vault=vault)
        assert not form.is_valid()
        assert "greater than the current capacity (50 GB)" in form.errors["capacity_gb"][0]

    def test_at_most_the_maximum(self):
        vault = VaultFactory(capacity_gb=50)
        form = VaultExpandForm({"capacity_gb": str(Vault.MAX_CAPACITY_GB + 1)}, vault=vault)
        assert form.errors["capacity_gb"] == [
            "The capacity cannot exceed 10485760 GB (the maximum)."
        ]
        assert VaultExpandForm({"capacity_gb": str(Vault.MAX_CAPACITY_GB)}, vault=vault).is_valid()

    def test_never_below_used(self):
        vault = VaultFactory(capacity_gb=200)
        BackupFactory(vault=vault, source__size_gb=150)
        vault.capacity_gb = 100
        form = VaultExpandForm({"capacity_gb": "120"}, vault=vault)
        assert form.errors["capacity_gb"] == [
            "The capacity cannot be less than the used capacity (150 GB)."
        ]

    def test_bigger_is_valid(self):
        form = VaultExpandForm({"capacity_gb": "51"}, vault=VaultFactory(capacity_gb=50))
        assert form.is_valid()
        assert form.cleaned_data["capacity_gb"] == 51
