"""Vault changes: Expand Capacity and Delete."""

from __future__ import annotations

import pytest

from console.audit.models import Trace
from tests.conftest import htmx
from tests.factories import BackupFactory, VaultFactory
from tests.vaults.view_helpers import (
    delete_url,
    detail_url,
    expand_url,
    foreign_vaults,
    list_url,
    triggers,
)
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db


class TestVaultExpand:
    def test_full_page(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = recipient_client.get(expand_url(vault))
        assert response.status_code == 200
        assert response.template_name == "vaults/vault_expand.html"
        body = response.content.decode()
        assert "<html" in body and 'id="vault-expand-form"' in body
        assert "hx-post" not in body

    def test_full_page_post_expands_and_redirects(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = recipient_client.post(expand_url(vault), {"capacity_gb": "80"}, follow=True)
        assert response.redirect_chain == [(detail_url(vault), 302)]
        vault.refresh_from_db()
        assert vault.capacity_gb == 80
        assert f"Vault {vault.name} expanded to 80 GB." in response.content.decode()
        assert Trace.objects.filter(operation="updateVault").count() == 1

    def test_dialog_fetched_into_dialogs(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = recipient_client.get(expand_url(vault), headers=htmx("dialogs"))
        assert response.template_name == "vaults/vault_expand.html#vault-expand-dialog"
        body = response.content.decode()
        assert "<html" not in body
        assert "<dialog" in body and "data-onload-showmodal" in body
        assert f'hx-post="{expand_url(vault)}"' in body
        assert 'hx-target="this"' in body
        assert "Vary" in response.headers and "HX-Target" in response.headers["Vary"]

    def test_dialog_success_closes_and_refreshes(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = recipient_client.post(
            expand_url(vault), {"capacity_gb": "80"}, headers=htmx("vault-expand-form")
        )
        assert response.status_code == 200
        assert set(triggers(response)) == {"modal-close", "vault-changed"}
        assert response.headers["HX-Reswap"] == "none"
        body = response.content.decode()
        assert 'id="messages"' in body and "hx-swap-oob" in body
        assert "expanded to 80 GB" in body
        vault.refresh_from_db()
        assert vault.capacity_gb == 80

    @pytest.mark.parametrize(
        ("capacity", "error"),
        [
            ("50", "greater than the current capacity (50 GB)"),
            ("20", "greater than the current capacity (50 GB)"),
            ("10485761", "cannot exceed 10485760 GB"),
            ("lots", "whole number"),
            ("", "required"),
        ],
    )
    def test_dialog_invalid_rerenders_the_form(self, world, recipient_client, capacity, error):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = recipient_client.post(
            expand_url(vault), {"capacity_gb": capacity}, headers=htmx("vault-expand-form")
        )
        assert response.status_code == 200
        assert response.template_name == "vaults/vault_expand.html#vault-expand-form"
        assert error in " ".join(response.context["form"].errors["capacity_gb"])
        body = response.content.decode()
        assert body.lstrip().startswith('<form id="vault-expand-form"')
        assert "HX-Trigger" not in response.headers
        vault.refresh_from_db()
        assert vault.capacity_gb == 50
        assert not Trace.objects.filter(result="success").exists()

    def test_full_page_invalid_rerenders_the_page(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = recipient_client.post(expand_url(vault), {"capacity_gb": "40"})
        assert response.status_code == 200
        assert response.template_name == "vaults/vault_expand.html"
        assert "greater than the current capacity" in response.content.decode()

    def test_never_below_used(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
        BackupFactory(vault=vault, source__size_gb=150)
        Vault.objects.filter(pk=vault.pk).update(capacity_gb=100)
        response = recipient_client.post(
            expand_url(vault), {"capacity_gb": "120"}, headers=htmx("vault-expand-form")
        )
        assert "used capacity (150 GB)" in " ".join(response.context["form"].errors["capacity_gb"])
        vault.refresh_from_db()
        assert vault.capacity_gb == 100

    def test_foreign_vaults_are_404_and_unchanged(self, world, recipient_client):
        for vault in foreign_vaults(world):
            assert recipient_client.get(expand_url(vault)).status_code == 404
            response = recipient_client.post(
                expand_url(vault), {"capacity_gb": "80"}, headers=htmx("vault-expand-form")
            )
            assert response.status_code == 404
            vault.refresh_from_db()
            assert vault.capacity_gb == 50

    def test_readonly_full_page_post_is_403(self, world, readonly_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = readonly_client.post(expand_url(vault), {"capacity_gb": "80"})
        assert response.status_code == 403
        assert "read-only" in response.content.decode()
        vault.refresh_from_db()
        assert vault.capacity_gb == 50

    def test_readonly_dialog_shows_the_refusal(self, world, readonly_client):
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        dialog = readonly_client.get(expand_url(vault), headers=htmx("dialogs"))
        assert "Your role is read-only" in dialog.content.decode()
        response = readonly_client.post(
            expand_url(vault), {"capacity_gb": "80"}, headers=htmx("vault-expand-form")
        )
        assert response.status_code == 200
        assert response.template_name == "vaults/vault_expand.html#vault-expand-form"
        assert "read-only" in " ".join(response.context["form"].non_field_errors())
        assert "HX-Trigger" not in response.headers
        vault.refresh_from_db()
        assert vault.capacity_gb == 50


class TestVaultDelete:
    def test_confirmation_page(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, name="vault-old")
        response = recipient_client.get(delete_url(vault))
        assert response.status_code == 200
        assert response.template_name == "vaults/vault_confirm_delete.html"
        assert "Are you sure you want to delete" in response.content.decode()
        assert Vault.objects.filter(pk=vault.pk).exists()

    def test_full_page_post_deletes_and_redirects(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, name="vault-old")
        response = recipient_client.post(delete_url(vault), follow=True)
        assert response.redirect_chain == [(list_url(), 302)]
        assert not Vault.objects.filter(pk=vault.pk).exists()
        assert "Vault vault-old deleted." in response.content.decode()
        assert Trace.objects.filter(operation="deleteVault", service="CBR").count() == 1

    def test_dialog_and_htmx_delete(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de, name="vault-old")
        dialog = recipient_client.get(delete_url(vault), headers=htmx("dialogs"))
        assert dialog.template_name == "vaults/vault_confirm_delete.html#vault-delete-dialog"
        assert "<dialog" in dialog.content.decode()
        response = recipient_client.post(delete_url(vault), headers=htmx("vault-delete-form"))
        assert response.status_code == 200
        assert set(triggers(response)) == {"modal-close", "vault-changed"}
        assert "Vault vault-old deleted." in response.content.decode()
        assert not Vault.objects.filter(pk=vault.pk).exists()

    def test_refused_while_the_vault_holds_backups(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de)
        BackupFactory(vault=vault)
        reason = "The vault holds backups of accepted full-ECS images. Reject those images first."
        dialog = recipient_client.get(delete_url(vault), headers=htmx("dialogs"))
        assert reason in dialog.content.decode()
        response = recipient_client.post(delete_url(vault), headers=htmx("vault-delete-form"))
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [reason]
        assert "HX-Trigger" not in response.headers
        full = recipient_client.post(delete_url(vault))
        assert full.status_code == 200
        assert reason in full.content.decode()
        assert Vault.objects.filter(pk=vault.pk).exists()
        assert Backup.objects.filter(vault=vault).count() == 1
        assert list(Trace.objects.values_list("result", flat=True)) == ["failed", "failed"]

    def test_foreign_vaults_are_404_and_kept(self, world, recipient_client):
        for vault in foreign_vaults(world):
            assert recipient_client.get(delete_url(vault)).status_code == 404
            assert recipient_client.post(delete_url(vault)).status_code == 404
            response = recipient_client.post(delete_url(vault), headers=htmx("vault-delete-form"))
            assert response.status_code == 404
            assert Vault.objects.filter(pk=vault.pk).exists()

    def test_readonly_full_page_post_is_403(self, world, readonly_client):
        vault = VaultFactory(project=world.recipient_de)
        response = readonly_client.post(delete_url(vault))
        assert response.status_code == 403
        assert "read-only" in response.content.decode()
        assert Vault.objects.filter(pk=vault.pk).exists()

    def test_readonly_dialog_shows_the_refusal(self, world, readonly_client):
        vault = VaultFactory(project=world.recipient_de)
        response = readonly_client.post(delete_url(vault), headers=htmx("vault-delete-form"))
        assert response.status_code == 200
        assert "read-only" in " ".join(response.context["form"].non_field_errors())
        assert Vault.objects.filter(pk=vault.pk).exists()

    def test_other_methods_are_refused(self, world, recipient_client):
        vault = VaultFactory(project=world.recipient_de)
        assert recipient_client.put(delete_url(vault)).status_code == 405
        assert recipient_client.delete(delete_url(vault)).status_code == 405
        assert Vault.objects.filter(pk=vault.pk).exists()
