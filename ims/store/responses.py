"""Downloads from the image store: streamed responses that honour a byte range."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from ims.store import files

_RANGE_RE = re.compile(r"\Abytes=(\d*)-(\d*)\Z")


class Unsatisfiable(Exception):
    """The Range header asks for bytes the file does not have (416)."""


def requested_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte a `Range: bytes=…` header asks for, or None for all of it.

    One range only (`a-b`, `a-` or the suffix `-n`); a header this does not understand,
    several ranges among them, is ignored as RFC 9110 allows: the whole file is sent.
    """
    match = _RANGE_RE.match((header or "").strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable()
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise Unsatisfiable()
    return start, end


def file_response(
    request: HttpRequest,
    *,
    name: str,
    size: int,
    md5: str = "",
    filename: str = "",
    content_type: str = "application/octet-stream",
) -> HttpResponse:
    """Stream a stored file (200), or the byte range the request asks for (206, or 416).

    `md5` (hex) goes out as `Content-MD5` with the whole file, as Glance sends it;
    `filename` makes the browser save the file under that name.
    """
    try:
        wanted = requested_range(request.headers.get("Range", ""), size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted if wanted else (0, size - 1)
    response = StreamingHttpResponse(
        files.read(name, start, end) if size else iter(()),
        status=206 if wanted else 200,
        content_type=content_type,
    )
    response["Content-Length"] = str(end - start + 1 if size else 0)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    elif md5:
        response["Content-MD5"] = md5
    if filename:
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
