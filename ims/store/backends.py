"""The image store's storage backends: a folder, or any S3-compatible object store.

Both are Django storages (`STORAGES["images"]`) with two methods more, since image files
are too large for `Storage.save()` and `Storage.open()` to hold or spool whole:
`open_writer(name)` takes the file chunk by chunk as it arrives and `stream(name, start,
end)` gives back a byte range chunk by chunk.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Protocol

from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

READ_CHUNK = 1024 * 1024


class Writer(Protocol):
    """A file being written: chunks in, then either committed or aborted (nothing left)."""

    def write(self, data: bytes) -> None:
        """Append a chunk."""

    def commit(self) -> None:
        """Make the file durable and visible under its name."""

    def abort(self) -> None:
        """Remove whatever was written; safe to call twice or after a failed commit."""


class FileWriter:
    """Writes straight into the final path (the name is new), fsynced before it counts."""

    def __init__(self, path: str, permissions: int | None) -> None:
        self.path = path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Exclusive: a name is never written twice; unbuffered: the chunks are large.
        self.file = open(path, "xb", buffering=0)  # closed by commit() or abort()
        self.permissions = permissions

    def write(self, data: bytes) -> None:  # noqa: D102
        view = memoryview(data)
        while view:
            view = view[self.file.write(view) :]

    def commit(self) -> None:  # noqa: D102
        os.fsync(self.file.fileno())
        self.file.close()
        if self.permissions is not None:
            os.chmod(self.path, self.permissions)

    def abort(self) -> None:  # noqa: D102
        self.file.close()
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass


class FileImageStorage(FileSystemStorage):
    """Image files in a folder (by default `var/image-store`)."""

    def open_writer(self, name: str, max_bytes: int = 0) -> FileWriter:
        """Start writing a new file called `name` (a folder needs no size in advance)."""
        return FileWriter(self.path(name), self.file_permissions_mode)

    def stream(
        self, name: str, start: int = 0, end: int | None = None, chunk_size: int = READ_CHUNK
    ) -> Iterator[bytes]:
        """The bytes `start` to `end` (inclusive; None: to the end) of `name`, in chunks."""
        with open(self.path(name), "rb", buffering=0) as file:
            file.seek(start)
            left = math.inf if end is None else end - start + 1
            while left > 0:
                chunk = file.read(int(min(chunk_size, left)))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk


class S3Writer:
    """A multipart upload, one part per `part_size` bytes; a small file is one PUT."""

    def __init__(self, client, bucket: str, key: str, part_size: int, params: dict) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.part_size = part_size
        self.params = params
        self.buffer: list[bytes] = []
        self.buffered = 0
        self.upload_id: str | None = None
        self.parts: list[dict] = []

    def write(self, data: bytes) -> None:  # noqa: D102
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= self.part_size:
            self._upload_part()

    def _take(self) -> bytes:
        body = b"".join(self.buffer)
        self.buffer.clear()
        self.buffered = 0
        return body

    def _upload_part(self) -> None:
        if self.upload_id is None:
            started = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, **self.params
            )
            self.upload_id = started["UploadId"]
        number = len(self.parts) + 1
        answer = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=self._take(),
        )
        self.parts.append({"ETag": answer["ETag"], "PartNumber": number})

    def commit(self) -> None:  # noqa: D102
        if self.upload_id is None:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=self._take(), **self.params
            )
            return
        if self.buffered:
            self._upload_part()
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )
        self.upload_id = None

    def abort(self) -> None:  # noqa: D102
        self.buffer.clear()
        if self.upload_id is not None:
            upload_id, self.upload_id = self.upload_id, None
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)


class S3ImageStorage(S3Storage):
    """Image files in a bucket of any S3-compatible object store (django-storages)."""

    # S3 allows 10,000 parts; a part is at least 5 MiB (the last one excepted).
    MIN_PART_SIZE = 8 * 1024 * 1024
    MAX_PARTS = 10_000

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def open_writer(self, name: str, max_bytes: int = 0) -> S3Writer:
        """Start uploading a new object called `name`, of at most `max_bytes`."""
        # Parts large enough for the largest file the upload may become.
        part_size = max(self.MIN_PART_SIZE, math.ceil(max_bytes / self.MAX_PARTS))
        key = self._key(name)
        return S3Writer(
            self.connection.meta.client,
            self.bucket_name,
            key,
            part_size,
            self._get_write_parameters(key),
        )

    def stream(
        self, name: str, start: int = 0, end: int | None = None, chunk_size: int = READ_CHUNK
    ) -> Iterator[bytes]:
        """The bytes `start` to `end` (inclusive; None: to the end) of `name`, in chunks."""
        ranged = {}
        if start or end is not None:
            ranged["Range"] = f"bytes={start}-{'' if end is None else end}"
        answer = self.connection.meta.client.get_object(
            Bucket=self.bucket_name, Key=self._key(name), **ranged
        )
        body = answer["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()
