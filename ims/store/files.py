"""Image files in the store: written and read in chunks, removed only after a commit.

A file enters the store before any row refers to it (the upload streams in while the
request is read); it is a `PendingFile` until the service that records it commits, and
is removed when that service refuses or rolls back. A file is removed with its row only
once the transaction that deletes the row has committed, so a rollback keeps both.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.errors import ImsError
from ims.store.backends import READ_CHUNK, Writer
from ims.store.digest import StreamDigest

logger = logging.getLogger(__name__)

ALIAS = "images"
GB = 1024**3


def storage() -> Storage:
    """The image store's Django storage (`STORAGES["images"]`)."""
    backend = storages[ALIAS]
    if not (hasattr(backend, "open_writer") and hasattr(backend, "stream")):
        raise ImproperlyConfigured(
            f"STORAGES[{ALIAS!r}] must stream: use a backend of ims.store.backends."
        )
    return backend


def max_file_bytes() -> int:
    """The largest image file the store takes (`IMAGE_FILE_MAX_GB`)."""
    return settings.IMAGE_FILE_MAX_BYTES


def max_file_gb() -> float:
    """The size cap in GB, as the console states it."""
    return max_file_bytes() / GB


def too_large(max_bytes: int | None = None) -> ImsError:
    """The refusal of a file over the cap (IMG.0059)."""
    limit = max_file_bytes() if max_bytes is None else max_bytes
    return ImsError(
        "IMG.0059",
        format_lazy(
            _("An image file may have at most {limit} ({bytes} bytes)."),
            limit=lazy(filesizeformat, str)(limit),
            bytes=limit,
        ),
    )


def store_failed(reason: object) -> ImsError:
    """The refusal when the store itself failed (IMG.1075); nothing was kept."""
    return ImsError(
        "IMG.1075",
        format_lazy(
            _("The image store failed ({reason}); nothing was kept. Try again later."),
            reason=reason,
        ),
    )


def new_name(extension: str = "") -> str:
    """A name no file of the store has had, e.g. `images/3f…9a.qcow2`."""
    suffix = f".{extension.lower()}" if extension else ""
    return f"images/{uuid.uuid4().hex}{suffix}"


@dataclass(frozen=True)
class StoredFile:
    """A file in the store: its name there, size in bytes, MD5 and SHA-512 (hex)."""

    name: str
    size: int
    md5: str
    sha512: str


class PendingFile:
    """A stored file that no committed row refers to yet.

    The service that records it calls `keep()` inside its transaction; whoever received
    the file calls `discard()` when done (or uses it as a context manager), which removes
    it unless that transaction committed.
    """

    def __init__(self, file: StoredFile) -> None:
        self.file = file
        self.kept = False

    def keep(self) -> StoredFile:
        """Keep the file once the current transaction commits."""
        transaction.on_commit(self._mark_kept)
        return self.file

    def _mark_kept(self) -> None:
        self.kept = True

    def discard(self) -> None:
        """Remove the file unless a committed row refers to it."""
        if not self.kept:
            delete(self.file.name)
            self.kept = True  # nothing left to discard

    def __enter__(self) -> PendingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


class Receiver:
    """A new file being written chunk by chunk, measured and capped as it grows.

    Any failure (over the cap, the store failing) aborts it, leaving nothing behind, and
    raises the refusal; `finish()` gives the `PendingFile`.
    """

    def __init__(self, *, extension: str = "", max_bytes: int | None = None) -> None:
        self.name = new_name(extension)
        self.max_bytes = max_file_bytes() if max_bytes is None else max_bytes
        self.digest = StreamDigest()
        self.writer: Writer | None = None
        self.done = False
        try:
            self.writer = storage().open_writer(self.name, self.max_bytes)
        except Exception as failure:  # the backend's own errors: OSError, botocore, ...
            self.done = True
            logger.exception("Could not start %s in the image store", self.name)
            raise store_failed(type(failure).__name__) from failure

    @property
    def size(self) -> int:
        """Bytes received so far."""
        return self.digest.size

    def write(self, chunk: bytes) -> None:
        """Add a chunk; refuse (and abort) when the file passes the cap or the store fails."""
        if self.digest.size + len(chunk) > self.max_bytes:
            self.abort()
            raise too_large(self.max_bytes)
        self.digest.update(chunk)
        self._call(self.writer.write, chunk)

    def _call(self, step, *args) -> None:
        try:
            step(*args)
        except Exception as failure:
            logger.exception("Writing %s to the image store failed", self.name)
            self.abort()
            raise store_failed(type(failure).__name__) from failure

    def finish(self) -> PendingFile:
        """Commit the file to the store; it stays pending until a row keeps it."""
        self._call(self.writer.commit)
        digests = self.digest.finish()
        self.done = True
        return PendingFile(StoredFile(self.name, digests.size, digests.md5, digests.sha512))

    def abort(self) -> None:
        """Drop what was written (idempotent)."""
        if self.done:
            return
        self.done = True
        self.digest.cancel()
        try:
            self.writer.abort()
        except Exception:
            # A partial object the backend could not remove is the operator's to sweep.
            logger.exception("Could not remove the partial %s from the image store", self.name)


def receive(
    chunks: Iterable[bytes], *, extension: str = "", max_bytes: int | None = None
) -> PendingFile:
    """Store a stream of chunks as a new file (e.g. a request body); nothing kept on failure."""
    receiver = Receiver(extension=extension, max_bytes=max_bytes)
    try:
        for chunk in chunks:
            if chunk:
                receiver.write(chunk)
        return receiver.finish()
    finally:
        receiver.abort()


def size(name: str) -> int:
    """The size of a stored file in bytes."""
    return storage().size(name)


def exists(name: str) -> bool:
    """Whether the store has a file of that name."""
    return storage().exists(name)


def read(
    name: str, start: int = 0, end: int | None = None, chunk_size: int = READ_CHUNK
) -> Iterator[bytes]:
    """Bytes `start` to `end` (inclusive; None: to the end) of a stored file, in chunks.

    The caller checks the range against `size()`; an empty range yields nothing.
    """
    if end is not None and end < start:
        return iter(())
    return storage().stream(name, start, end, chunk_size)


def copy(name: str, *, extension: str = "", max_bytes: int | None = None) -> PendingFile:
    """A new stored file with the content of `name`, streamed and measured anew."""
    return receive(read(name), extension=extension, max_bytes=max_bytes)


def delete(name: str) -> None:
    """Remove a stored file now (a missing one is no error)."""
    try:
        storage().delete(name)
    except FileNotFoundError:
        pass
    except Exception:
        logger.exception("Could not remove %s from the image store", name)


def delete_on_commit(name: str) -> None:
    """Remove a stored file once the current transaction commits (never if it rolls back)."""
    if name:
        transaction.on_commit(lambda: delete(name))
