"""Vault pages: the list, Create Vault and the detail page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import Trace
from tests.conftest import htmx
from tests.factories import BackupFactory, ImageBackupFactory, VaultFactory
from tests.vaults.view_helpers import (
    create_data,
    create_url,
    delete_url,
    detail_url,
    expand_url,
    foreign_vaults,
    list_url,
)
from vaults.models import Vault

pytestmark = pytest.mark.django_db


class TestVaultList:
    def test_lists_the_projects_vaults_with_usage_and_operations(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, name="vault-main", capacity_gb=200)
        BackupFactory(vault=vault, source__size_gb=40)
        VaultFactory(project=world.recipient_nl, name="vault-other-region")
        VaultFactory(project=world.sharer_de, name="vault-other-tenant")
        response = recipient_client.get(list_url())
        assert response.status_code == 200
        assert response.template_name == "vaults/vault_list.html"
        body = response.content.decode()
        assert "vault-main" in body
        assert "vault-other-region" not in body
        assert "vault-other-tenant" not in body
        assert f'href="{detail_url(vault)}"' in body
        assert "Cloud server backup" in body
        assert "40 / 160" in body
        assert 'class="usage-fill-4"' in body
        assert f'hx-get="{expand_url(vault)}"' in body
        assert f'hx-get="{delete_url(vault)}"' in body
        assert f'href="{create_url()}"' in body
        assert 'hx-trigger="vault-changed from:body"' in body
        assert response.context["section"] == "vaults"

    def test_empty_list(self, world, recipient_client):
        response = recipient_client.get(list_url())
        assert "No vaults" in response.content.decode()

    def test_htmx_refresh_returns_only_the_table(self, world, recipient_client):
        VaultFactory(project=world.recipient_de, name="vault-main")
        response = recipient_client.get(list_url(), headers=htmx("vault-table"))
        assert response.template_name == "vaults/vault_list.html#vault-table"
        body = response.content.decode()
        assert body.lstrip().startswith('<section id="vault-table"')
        assert "<html" not in body
        assert "vault-main" in body
        assert "HX-Target" in response.headers["Vary"]

    def test_htmx_with_another_target_gets_the_full_page(self, world, recipient_client):
        response = recipient_client.get(list_url(), headers=htmx("main"))
        assert response.template_name == "vaults/vault_list.html"

    def test_constant_number_of_queries(
        self, world, recipient_client, django_assert_max_num_queries
    ):
        def fill(count):
            for vault in VaultFactory.create_batch(count, project=world.recipient_de):
                BackupFactory(vault=vault, source__size_gb=10)

        fill(3)
        with django_assert_max_num_queries(8) as few:
            recipient_client.get(list_url())
        fill(37)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = recipient_client.get(list_url())
        assert response.content.decode().count("Expand Capacity") == 40

    def test_needs_login(self, db, client):
        response = client.get(list_url())
        assert response.status_code == 302
        assert "/login/" in response["Location"]


class TestVaultCreate:
    def test_page_shows_the_form(self, world, recipient_client):
        response = recipient_client.get(create_url())
        assert response.status_code == 200
        body = response.content.decode()
        for label in ["Cloud server backup", "Cloud disk backup", "SFS Turbo backup"]:
            assert label in body
        assert 'type="radio" name="resource_type"' in body
        assert 'type="radio" name="protection_type"' in body
        assert "Replication" in body
        assert response.context["form"]["name"].value().startswith("vault-")

    def test_creates_and_goes_to_the_detail_page(self, world, recipient_client):
        response = recipient_client.post(create_url(), create_data(), follow=True)
        vault = Vault.objects.get(name="vault-new")
        assert vault.project == world.recipient_de
        assert (vault.resource_type, vault.protection_type, vault.capacity_gb) == (
            "server",
            "backup",
            120,
        )
        assert response.redirect_chain == [(detail_url(vault), 302)]
        assert "Vault vault-new created." in response.content.decode()
        assert Trace.objects.filter(operation="createVault", service="CBR").count() == 1

    @pytest.mark.parametrize(
        ("back", "escaped"),
        [
            ("/ims/?accept=1&dialog=full-ecs", "/ims/?accept=1&amp;dialog=full-ecs"),
            ("/ims/?accept=12%2C13", "/ims/?accept=12%2C13"),
            ("/ims/?accept=all", "/ims/?accept=all"),
        ],
    )
    def test_next_brings_the_user_back(self, world, recipient_client, back, escaped):
        page = recipient_client.get(create_url(back))
        body = page.content.decode()
        assert f'name="next" value="{escaped}"' in body
        assert f'<a class="btn" href="{escaped}">Cancel</a>' in body
        assert "you return to the page you came from" in body
        response = recipient_client.post(create_url(back), create_data(next=back))
        assert response.status_code == 302
        assert response["Location"] == back
        assert Vault.objects.filter(name="vault-new").exists()

    @pytest.mark.parametrize(
        "evil",
        [
            "https://evil.example/steal",
            "//evil.example/steal",
            "http://testserver.evil.example/",
            "javascript:alert(1)",
            "https:///evil.example",
        ],
    )
    def test_external_next_is_ignored(self, world, recipient_client, evil):
        page = recipient_client.get(create_url(evil))
        assert f'href="{evil}"' not in page.content.decode()
        assert page.context["next_url"] is None
        response = recipient_client.post(create_url(evil), create_data(next=evil))
        vault = Vault.objects.get(name="vault-new")
        assert response["Location"] == detail_url(vault)

    def test_no_next_shows_cancel_to_the_list(self, world, recipient_client):
        body = recipient_client.get(create_url()).content.decode()
        assert f'<a class="btn" href="{list_url()}">Cancel</a>' in body

    @pytest.mark.parametrize(
        ("name", "error"),
        [
            ("", "Enter a vault name"),
            ("my vault", "letters, digits, underscores (_) and hyphens (-)"),
            ("vault!", "letters, digits, underscores (_) and hyphens (-)"),
            ("x" * 65, "letters, digits, underscores (_) and hyphens (-)"),
        ],
    )
    def test_invalid_names(self, world, recipient_client, name, error):
        response = recipient_client.post(create_url(), create_data(name=name))
        assert response.status_code == 200
        assert error in " ".join(response.context["form"].errors["name"])
        assert not Vault.objects.exists()

    def test_duplicate_name_in_the_project(self, world, recipient_client):
        VaultFactory(project=world.recipient_de, name="vault-new")
        response = recipient_client.post(create_url(), create_data())
        assert response.status_code == 200
        assert response.context["form"].errors["name"] == [
            "A vault named vault-new already exists in this project."
        ]
        assert Vault.objects.count() == 1

    def test_name_of_another_tenants_vault_is_free(self, world, recipient_client):
        VaultFactory(project=world.sharer_de, name="vault-new")
        response = recipient_client.post(create_url(), create_data())
        assert response.status_code == 302
        assert Vault.objects.filter(project=world.recipient_de, name="vault-new").exists()

    @pytest.mark.parametrize("capacity", ["9", "0", "10485761", "-1", "abc", "12.5", ""])
    def test_capacity_out_of_bounds_names_the_bounds(self, world, recipient_client, capacity):
        response = recipient_client.post(create_url(), create_data(capacity_gb=capacity))
        assert response.status_code == 200
        errors = " ".join(response.context["form"].errors["capacity_gb"])
        assert "between 10 and 10485760 GB" in errors
        assert not Vault.objects.exists()

    @pytest.mark.parametrize("capacity", ["10", "10485760"])
    def test_capacity_bounds_are_accepted(self, world, recipient_client, capacity):
        response = recipient_client.post(create_url(), create_data(capacity_gb=capacity))
        assert response.status_code == 302
        assert Vault.objects.get().capacity_gb == int(capacity)

    @pytest.mark.parametrize(
        ("field", "value"), [("resource_type", "tape"), ("protection_type", "archive")]
    )
    def test_unknown_choices(self, world, recipient_client, field, value):
        response = recipient_client.post(create_url(), create_data(**{field: value}))
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert not Vault.objects.exists()

    def test_readonly_user_sees_a_notice(self, world, readonly_client):
        body = readonly_client.get(create_url()).content.decode()
        assert "Your role is read-only" in body

    def test_readonly_user_is_refused_with_403(self, world, readonly_client):
        response = readonly_client.post(create_url(), create_data())
        assert response.status_code == 403
        assert "read-only" in response.content.decode()
        assert not Vault.objects.exists()

    def test_readonly_user_is_refused_even_with_invalid_input(self, world, readonly_client):
        response = readonly_client.post(create_url(), create_data(capacity_gb="1"))
        assert response.status_code == 403
        assert not Vault.objects.exists()

    def test_created_in_the_current_region(self, world, recipient_client):
        recipient_client.post(reverse("console:region_switch"), {"region": "eu-nl"})
        recipient_client.post(create_url(), create_data())
        assert Vault.objects.get(name="vault-new").project == world.recipient_nl


class TestVaultDetail:
    def test_shows_attributes_and_backups(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, name="vault-main", capacity_gb=200)
        backup = BackupFactory(vault=vault, member__image__name="full-ecs-app", source__size_gb=40)
        ImageBackupFactory(image=backup.member.image, role="data", size_gb=60)
        data = BackupFactory(
            vault=vault,
            member=backup.member,
            source=backup.member.image.backups.get(role="data"),
        )
        response = recipient_client.get(detail_url(vault))
        assert response.status_code == 200
        body = response.content.decode()
        assert str(vault.vault_id) in body
        for text in ["Cloud server backup", "Backup", "Available", "full-ecs-app"]:
            assert text in body
        assert str(backup.backup_id) in body and str(data.backup_id) in body
        assert "System disk" in body and "Data disk" in body
        assert "100 / 100" in body
        assert response.context["vault"].used_gb == 100

    def test_constant_number_of_queries(
        self, world, recipient_client, django_assert_max_num_queries
    ):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=10_000)
        BackupFactory.create_batch(2, vault=vault, source__size_gb=10)
        with django_assert_max_num_queries(10) as few:
            recipient_client.get(detail_url(vault))
        BackupFactory.create_batch(30, vault=vault, source__size_gb=10)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = recipient_client.get(detail_url(vault))
        assert len(response.context["backups"]) == 32

    def test_htmx_refresh_returns_the_summary(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de)
        response = recipient_client.get(detail_url(vault), headers=htmx("vault-summary"))
        assert response.template_name == "vaults/vault_detail.html#vault-summary"
        assert response.content.decode().lstrip().startswith('<section id="vault-summary"')

    def test_foreign_vaults_are_404(self, world, recipient_client):
        for vault in foreign_vaults(world):
            assert recipient_client.get(detail_url(vault)).status_code == 404

    def test_unknown_id_is_404(self, world, recipient_client):
        url = reverse("vaults:vault_detail", args=["00000000-0000-0000-0000-000000000000"])
        assert recipient_client.get(url).status_code == 404
