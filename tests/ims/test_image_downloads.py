"""Downloads stream from the image store, whole or as one byte range (both backends)."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from ims.store import files
from ims.store.responses import Unsatisfiable, requested_range

pytestmark = pytest.mark.urls("tests.ims.upload_urls")

SIZE = 3 * 1024 * 1024 + 5


@pytest.fixture
def stored(image_store):
    content = os.urandom(SIZE)
    pending = files.receive([content[: SIZE // 2], content[SIZE // 2 :]])
    yield pending.file.name.removeprefix("images/"), content
    pending.discard()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_whole_file_streams_with_its_length_and_md5(stored):
    name, content = stored
    response = Client().get(f"/download/{name}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-MD5"] == "abc"
    assert response["Accept-Ranges"] == "bytes"
    assert "Content-Encoding" not in response
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''disk%201.qcow2"
    assert body(response) == content


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-9", 0, 9), ("bytes=1048570-", 1048570, SIZE - 1), ("bytes=-7", SIZE - 7, SIZE - 1)],
)
def test_one_byte_range_is_a_partial_answer(stored, header, start, end):
    name, content = stored
    response = Client().get(f"/download/{name}", headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert "Content-MD5" not in response
    assert body(response) == content[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=10-5", f"bytes={SIZE}-", "bytes=-0"])
def test_a_range_outside_the_file_is_416(stored, header):
    name, _ = stored
    response = Client().get(f"/download/{name}", headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


def test_a_range_it_does_not_understand_sends_the_whole_file():
    assert requested_range("bytes=0-1,5-6", 10) is None
    assert requested_range("items=0-1", 10) is None
    assert requested_range("bytes=2-100", 10) == (2, 9)
    with pytest.raises(Unsatisfiable):
        requested_range("bytes=-5", 0)
