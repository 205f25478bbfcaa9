"""Shared fixtures: a two-tenant world in two regions, logged-in clients, htmx headers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from console.models import Project, Region, Tenant, User
from ims.store.config import image_storage
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


@pytest.fixture(autouse=True)
def _image_store_folder(settings, tmp_path):
    """Each test stores image files in a folder of its own (the default backend)."""
    settings.STORAGES = settings.STORAGES | {
        "images": image_storage("", folder=tmp_path / "image-store")
    }


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server (moto's server mode) on a free port of 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    # Quiet: the server would log every request of the suite.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


@pytest.fixture
def s3_image_store(settings, s3_endpoint) -> str:
    """Switch the image store to a fresh bucket of the local S3 server; returns its name."""
    import boto3

    bucket = f"images-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=f"http://{s3_endpoint}",
        aws_access_key_id="store-key",
        aws_secret_access_key="store-secret",
        region_name="eu-de",
    ).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-de"})
    url = f"s3+http://store-key:store-secret@{s3_endpoint}/{bucket}/console?region=eu-de"
    settings.STORAGES = settings.STORAGES | {"images": image_storage(url, folder=Path("unused"))}
    return bucket


@pytest.fixture(params=["folder", "s3"])
def image_store(request) -> str:
    """Run the test on both backends of the image store: the folder and an S3 bucket."""
    if request.param == "s3":
        request.getfixturevalue("s3_image_store")
    return request.param


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
