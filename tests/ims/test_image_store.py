"""The image store on both backends: a folder and an S3 bucket on a local S3 server."""

from __future__ import annotations

import errno
import hashlib
import os
import tracemalloc

import pytest
from django.db import transaction

from console.errors import ImsError
from ims.store import backends, files

MIB = 1024 * 1024


def chunks_of(data: bytes, size: int = MIB):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def stored_names() -> list[str]:
    """Every file in the store, whichever the backend."""
    storage = files.storage()
    if isinstance(storage, backends.S3ImageStorage):
        keys = storage.bucket.objects.filter(Prefix=storage.location)
        return sorted(obj.key for obj in keys)
    found = []
    for folder, _, names in os.walk(storage.location):
        found += [os.path.join(folder, name) for name in names]
    return sorted(found)


def open_multipart_uploads() -> list[str]:
    storage = files.storage()
    if not isinstance(storage, backends.S3ImageStorage):
        return []
    answer = storage.connection.meta.client.list_multipart_uploads(Bucket=storage.bucket_name)
    return [upload["Key"] for upload in answer.get("Uploads", [])]


@pytest.fixture(autouse=True)
def _one_gib_cap(settings):
    # The S3 parts are then the smallest allowed (8 MiB), so 9 MiB is a multipart upload.
    settings.IMAGE_FILE_MAX_BYTES = 1024 * MIB


@pytest.fixture
def payload() -> bytes:
    # Larger than an S3 part, so the bucket gets a real multipart upload.
    return os.urandom(9 * MIB + 12345)


class TestStreamingInAndOut:
    def test_a_file_is_measured_while_it_streams_in(self, image_store, payload):
        with files.receive(chunks_of(payload), extension="qcow2") as pending:
            stored = pending.file
            assert stored.size == len(payload)
            assert stored.md5 == hashlib.md5(payload).hexdigest()
            assert stored.sha512 == hashlib.sha512(payload).hexdigest()
            assert stored.name.endswith(".qcow2")
            assert files.size(stored.name) == len(payload)
            assert b"".join(files.read(stored.name)) == payload

    def test_byte_ranges_stream_back(self, image_store, payload):
        with files.receive(chunks_of(payload)) as pending:
            name = pending.file.name
            assert b"".join(files.read(name, 0, 99)) == payload[:100]
            assert b"".join(files.read(name, 5 * MIB, 7 * MIB)) == payload[5 * MIB : 7 * MIB + 1]
            assert b"".join(files.read(name, len(payload) - 10)) == payload[-10:]
            assert b"".join(files.read(name, 10, 9)) == b""
            pieces = list(files.read(name, chunk_size=MIB))
            assert max(len(piece) for piece in pieces) <= MIB

    def test_small_and_empty_files(self, image_store):
        with files.receive([b"abc"]) as small, files.receive([]) as empty:
            assert small.file.md5 == hashlib.md5(b"abc").hexdigest()
            assert b"".join(files.read(small.file.name)) == b"abc"
            assert empty.file.size == 0
            assert empty.file.sha512 == hashlib.sha512(b"").hexdigest()
            assert b"".join(files.read(empty.file.name)) == b""

    def test_a_copy_is_a_new_file_with_the_same_content(self, image_store, payload):
        with files.receive(chunks_of(payload)) as original:
            with files.copy(original.file.name, extension="vhd") as copied:
                assert copied.file.name != original.file.name
                assert copied.file.md5 == original.file.md5
                assert b"".join(files.read(copied.file.name)) == payload


class TestNothingLeftBehind:
    def test_a_file_over_the_cap_is_refused_and_removed(self, image_store, payload):
        with pytest.raises(ImsError) as refused:
            files.receive(chunks_of(payload), max_bytes=4 * MIB)
        assert refused.value.code == "IMG.0059"
        assert "4 GB" not in str(refused.value) and "4194304 bytes" in str(refused.value)
        assert stored_names() == []
        assert open_multipart_uploads() == []

    def test_the_cap_comes_from_the_settings(self, image_store, settings):
        settings.IMAGE_FILE_MAX_BYTES = 10
        with pytest.raises(ImsError, match="IMG.0059"):
            files.receive([b"x" * 11])
        with files.receive([b"x" * 10]) as exactly:
            assert exactly.file.size == 10

    def test_a_storage_failure_mid_upload_leaves_nothing(self, image_store, payload, monkeypatch):
        fail_mid_upload(monkeypatch, image_store)
        with pytest.raises(ImsError) as refused:
            files.receive(chunks_of(payload))
        assert refused.value.code == "IMG.1075"
        assert stored_names() == []
        assert open_multipart_uploads() == []

    def test_a_pending_file_is_discarded_unless_a_commit_kept_it(
        self, image_store, transactional_db
    ):
        kept = files.receive([b"kept"])
        dropped = files.receive([b"dropped"])
        with transaction.atomic():
            kept.keep()
        try:
            with transaction.atomic():
                dropped.keep()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        kept.discard()
        dropped.discard()
        assert [name.rsplit("/", 1)[-1] for name in stored_names()] == [
            kept.file.name.rsplit("/", 1)[-1]
        ]

    def test_delete_waits_for_the_commit_and_a_rollback_keeps_the_file(
        self, image_store, db, django_capture_on_commit_callbacks
    ):
        name = files.receive([b"image"]).file.name
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    files.delete_on_commit(name)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
        assert files.exists(name)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                files.delete_on_commit(name)
                assert files.exists(name)
        assert len(callbacks) == 1
        assert not files.exists(name)


def fail_mid_upload(monkeypatch, backend: str) -> None:
    """Make the store fail once the upload is under way: a full disk, a lost connection."""
    calls = []
    if backend == "s3":
        from botocore.exceptions import EndpointConnectionError

        # The real client fails on its second part (8 MiB parts): the first one is stored.
        def upload_part(**kwargs):
            calls.append(1)
            if len(calls) > 1:
                raise EndpointConnectionError(endpoint_url="http://store")

        client = files.storage().connection.meta.client
        client.meta.events.register("before-call.s3.UploadPart", upload_part)
        return
    original = backends.FileWriter.write

    def write(self, data):
        calls.append(1)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, data)

    monkeypatch.setattr(backends.FileWriter, "write", write)


def test_memory_stays_bounded_while_a_large_file_streams_in(tmp_path):
    """64 MiB in, never more than a few chunks held at once (the folder backend)."""
    chunk = os.urandom(MIB)
    tracemalloc.start()
    try:
        with files.receive(chunk for _ in range(64)) as pending:
            _, peak = tracemalloc.get_traced_memory()
            assert pending.file.size == 64 * MIB
    finally:
        tracemalloc.stop()
    assert peak < 20 * MIB, peak
