"""Shared fixtures: a two-tenant world in two regions, logged-in clients, htmx headers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from console.models import Project, Region, Tenant, User
from tests.factories import ProjectFactory, RegionFactory, TenantFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language_and_zone():
    """Each test starts in English and UTC: a request in another language leaves it active."""
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _instant_replication(settings):
    # Tasks run in process (the tests of the database queue choose it themselves).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.IMS_REPLICATION_SECONDS = 0


@pytest.fixture(autouse=True)
def _source_static_files(settings):
    # Fingerprinted names need collectstatic's manifest, and the live server of the browser
    # tests serves static files from the sources; tests/console/test_delivery.py checks the
    # fingerprinted, compressed files themselves.
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }


@dataclass
class World:
    """Two regions; a sharer tenant and a recipient tenant with a project in each."""

    de: Region
    nl: Region
    sharer: Tenant
    recipient: Tenant
    sharer_de: Project
    sharer_nl: Project
    recipient_de: Project
    recipient_nl: Project
    sharer_user: User
    recipient_user: User
    readonly_user: User


@pytest.fixture
def world(db) -> World:
    de = RegionFactory(code="eu-de", name="EU-Germany", is_default=True)
    nl = RegionFactory(code="eu-nl", name="EU-Netherlands")
    sharer = TenantFactory(name="Sharer Co")
    recipient = TenantFactory(name="Recipient Co")
    return World(
        de=de,
        nl=nl,
        sharer=sharer,
        recipient=recipient,
        sharer_de=ProjectFactory(tenant=sharer, region=de),
        sharer_nl=ProjectFactory(tenant=sharer, region=nl),
        recipient_de=ProjectFactory(tenant=recipient, region=de),
        recipient_nl=ProjectFactory(tenant=recipient, region=nl),
        sharer_user=UserFactory(username="sharer", tenant=sharer),
        recipient_user=UserFactory(username="recipient", tenant=recipient),
        readonly_user=UserFactory(username="viewer", tenant=recipient, role=User.Role.READONLY),
    )


@pytest.fixture
def recipient_client(world: World) -> Client:
    client = Client()
    client.force_login(world.recipient_user)
    return client


@pytest.fixture
def sharer_client(world: World) -> Client:
    client = Client()
    client.force_login(world.sharer_user)
    return client


@pytest.fixture
def readonly_client(world: World) -> Client:
    client = Client()
    client.force_login(world.readonly_user)
    return client


def htmx(target: str | None = None) -> dict[str, str]:
    """Headers of an htmx request aimed at the element with id `target`."""
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    return headers
