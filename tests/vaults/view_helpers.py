"""Helpers shared by test_views.py, test_vault_changes.py."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.urls import reverse

from tests.factories import VaultFactory


def list_url():
    return reverse("vaults:vault_list")


def create_url(next_url=None):
    url = reverse("vaults:vault_create")
    return f"{url}?next={quote(next_url, safe='')}" if next_url else url


def detail_url(vault):
    return reverse("vaults:vault_detail", args=[vault.vault_id])


def expand_url(vault):
    return reverse("vaults:vault_expand", args=[vault.vault_id])


def delete_url(vault):
    return reverse("vaults:vault_delete", args=[vault.vault_id])


def create_data(**overrides):
    return {
        "name": "vault-new",
        "resource_type": "server",
        "protection_type": "backup",
        "capacity_gb": "120",
        "next": "",
    } | overrides


def triggers(response):
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def foreign_vaults(world):
    """A vault of another tenant, and one of the user's own tenant in another region."""
    return [
        VaultFactory(project=world.sharer_de, capacity_gb=50),
        VaultFactory(project=world.recipient_nl, capacity_gb=50),
    ]
