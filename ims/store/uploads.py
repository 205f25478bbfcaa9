"""Browser uploads streamed into the image store while the request is read.

Django's default upload handlers keep a file in memory or copy it to a temporary file
before the view runs; an image file of many gigabytes goes instead, chunk by chunk, from
the request body into the store, measured and hashed on the way (`receives_image_file`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from console.errors import ConsoleError
from ims.store import files

# The parser reads the body in chunks of this size (a multiple of 4, for base64 parts).
CHUNK_SIZE = 1024 * 1024
_EXTENSION_RE = re.compile(r"\A[a-z0-9]{1,8}\Z")

# Why a file would be refused by its name alone (format, ...), or None.
NameRefusal = Callable[[str], ConsoleError | None]


class StoredUpload(UploadedFile):
    """An uploaded file already in the image store: what a form's FileField receives."""

    def __init__(self, pending: files.PendingFile, *, name: str, content_type: str) -> None:
        super().__init__(
            file=None, name=name, content_type=content_type, size=pending.file.size, charset=None
        )
        self.pending = pending

    @property
    def stored(self) -> files.StoredFile:
        """The file in the store (name, size, MD5, SHA-512)."""
        return self.pending.file

    def keep(self) -> files.StoredFile:
        """Keep the file once the current transaction commits (see `PendingFile.keep`)."""
        return self.pending.keep()

    def chunks(self, chunk_size: int | None = None):
        """The file's content, read back from the store."""
        return files.read(self.stored.name, chunk_size=chunk_size or CHUNK_SIZE)

    def close(self) -> None:
        """Nothing to close: the content lives in the store."""


class ImageFileUploadHandler(FileUploadHandler):
    """Streams the file of one form field into the image store; skips any other file.

    A file refused by its name or over the size cap is never stored; its refusal is kept
    in `errors` under the field's name for the form to show.
    """

    chunk_size = CHUNK_SIZE

    def __init__(self, request: HttpRequest, *, field: str, refusal: NameRefusal | None) -> None:
        super().__init__(request)
        self.field = field
        self.refusal = refusal
        self.errors: dict[str, ConsoleError] = {}
        self.received: list[files.PendingFile] = []
        self.receiver: files.Receiver | None = None
        self.body_length = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: D102, N803
        self.body_length = content_length or 0

    def _skip(self, error: ConsoleError | None = None) -> None:
        if error is not None:
            self.errors[self.field] = error
        raise SkipFile()

    def new_file(self, field_name: str, file_name: str, *args, **kwargs) -> None:  # noqa: D102
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != self.field or self.received or self.receiver is not None:
            self._skip()
        if self.refusal is not None and (refused := self.refusal(file_name)):
            self._skip(refused)
        # The rest of a body is the form's other fields, which Django caps: a body longer
        # than the cap plus them holds a file over the cap, refused before it is stored.
        if self.body_length > files.max_file_bytes() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            self._skip(files.too_large())
        extension = PurePath(file_name).suffix[1:].lower()
        try:
            self.receiver = files.Receiver(
                extension=extension if _EXTENSION_RE.match(extension) else ""
            )
        except ConsoleError as error:
            self._skip(error)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:  # noqa: D102
        try:
            self.receiver.write(raw_data)
        except ConsoleError as error:
            self.receiver = None
            self._skip(error)

    def file_complete(self, file_size: int) -> StoredUpload | None:  # noqa: D102
        receiver, self.receiver = self.receiver, None
        if receiver is None:
            return None
        try:
            pending = receiver.finish()
        except ConsoleError as error:
            self.errors[self.field] = error
            return None
        self.received.append(pending)
        return StoredUpload(pending, name=self.file_name, content_type=self.content_type)

    def upload_interrupted(self) -> None:  # noqa: D102
        self.cleanup()

    def cleanup(self) -> None:
        """Abort a file still being received and discard those no committed row kept."""
        if self.receiver is not None:
            self.receiver.abort()
            self.receiver = None
        for pending in self.received:
            pending.discard()


def receives_image_file(field: str, refusal: NameRefusal | None = None):
    """View decorator: the file of `field` streams into the image store as it arrives.

    The view finds it as a `StoredUpload` in `request.FILES` (or the refusal in
    `request.image_upload.errors`); whatever its service did not keep is removed when the
    view returns, whether it answered, refused or failed. The CSRF check runs inside,
    since Django's reads the body before a view could choose how.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            handler = ImageFileUploadHandler(request, field=field, refusal=refusal)
            request.upload_handlers = [handler]
            request.image_upload = handler
            try:
                return protected(request, *args, **kwargs)
            finally:
                handler.cleanup()

        return wrapper

    return decorate
