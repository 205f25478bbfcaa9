"""Browser uploads stream from the request body into the image store (both backends)."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.ims.test_image_store import MIB, fail_mid_upload, open_multipart_uploads, stored_names

pytestmark = [pytest.mark.urls("tests.ims.upload_urls"), pytest.mark.django_db(transaction=True)]

TOKEN = "a" * 32


@pytest.fixture
def client() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = TOKEN
    return client


@pytest.fixture(autouse=True)
def _one_gib_cap(settings):
    settings.IMAGE_FILE_MAX_BYTES = 1024 * MIB


def post(client, content: bytes, *, name="disk.qcow2", token=TOKEN, **fields):
    data = {"image_file": SimpleUploadedFile(name, content), **fields}
    if token:
        data["csrfmiddlewaretoken"] = token
    return client.post("/upload/", data)


def test_the_file_streams_into_the_store_and_stays_when_kept(client, image_store):
    content = os.urandom(3 * MIB + 7)
    answer = post(client, content)
    assert answer.status_code == 200, answer.content
    stored = answer.json()
    assert stored["size"] == len(content)
    assert stored["md5"] == hashlib.md5(content).hexdigest()
    assert stored["file_name"] == "disk.qcow2"
    assert len(stored_names()) == 1 and stored_names()[0].endswith(stored["name"])


@pytest.mark.parametrize("fields", [{"refuse": "1"}, {"rollback": "1"}])
def test_a_refused_or_rolled_back_upload_leaves_no_file(client, image_store, fields):
    answer = post(client, b"x" * MIB, **fields)
    assert stored_names() == []
    assert answer.status_code in (200, 400)


def test_a_file_refused_by_its_name_is_never_stored(client, image_store):
    answer = post(client, b"x" * MIB, name="disk.exe")
    assert answer.status_code == 400
    assert b"disk.exe is not a qcow2 file." in answer.content
    assert stored_names() == []


def test_a_file_over_the_cap_is_refused_mid_stream(client, image_store, settings):
    settings.IMAGE_FILE_MAX_BYTES = MIB
    answer = post(client, b"x" * (2 * MIB))
    assert answer.status_code == 400
    assert b"IMG.0059" in answer.content
    assert stored_names() == []
    assert open_multipart_uploads() == []


def test_a_body_longer_than_the_cap_allows_is_refused_before_storing(
    client, image_store, settings, monkeypatch
):
    settings.IMAGE_FILE_MAX_BYTES = MIB
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    started = []
    monkeypatch.setattr("ims.store.files.Receiver.__init__", lambda *a, **k: started.append(1))
    answer = post(client, b"x" * (2 * MIB))
    assert b"IMG.0059" in answer.content
    assert started == []


def test_a_storage_failure_mid_upload_leaves_nothing(client, image_store, monkeypatch):
    fail_mid_upload(monkeypatch, image_store)
    answer = post(client, os.urandom(9 * MIB))
    assert answer.status_code == 400
    assert b"IMG.1075" in answer.content
    assert stored_names() == []
    assert open_multipart_uploads() == []


def test_without_the_csrf_token_nothing_is_kept(client, image_store):
    answer = post(client, b"x" * MIB, token="")
    assert answer.status_code == 403
    assert stored_names() == []


def test_other_file_fields_are_not_stored(client, image_store):
    answer = client.post(
        "/upload/",
        {
            "csrfmiddlewaretoken": TOKEN,
            "other": SimpleUploadedFile("other.qcow2", b"o" * 1000),
            "image_file": SimpleUploadedFile("disk.qcow2", b"d" * 1000),
        },
    )
    assert answer.status_code == 200
    assert len(stored_names()) == 1
