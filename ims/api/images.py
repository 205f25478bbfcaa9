"""Glance v2 image lifecycle: create, delete, deactivate/reactivate, tags (on the router of
`ims.api.glance`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict

from console.api import no_content
from console.errors import ImsError, NotFound
from console.iam.schemas import Error
from ims.api import docs
from ims.api.common import ERRORS, visible_image
from ims.api.glance import router
from ims.services import image_delete, image_tag_add, image_tag_delete
from ims.services.glance import (
    CORE,
    DISALLOWED,
    IMS_WRITABLE,
    attribute_refusal,
    download_refusal,
    glance_image_create,
    image_activation_set,
    image_upload_begin,
    image_upload_finish,
    split_tag,
)
from ims.store import files
from ims.store.responses import file_response

UPLOAD_CHUNK = 1024 * 1024


# One router with the read routes: Ninja serves a path's methods from one router only.
class ImageCreate(Schema):
    """POST /v2/images: Glance's attributes; any other key is a custom property (a string)."""

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(None, max_length=36, description="A UUID of your choice.")
    name: str | None = Field(None, max_length=255)
    visibility: str | None = Field(None, max_length=16, description="private, shared, community")
    protected: bool | None = None
    os_hidden: bool | None = None
    container_format: str | None = Field(None, max_length=16)
    disk_format: str | None = Field(None, max_length=16)
    min_disk: int | None = None
    min_ram: int | None = None
    tags: list[str] | None = Field(None, max_length=128)
    owner: str | None = Field(None, max_length=64)


def _split(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Glance's attributes and the custom properties of a create body; refused keys raise."""
    for key in DISALLOWED & set(body):
        raise attribute_refusal(key)
    attributes, properties = {}, {}
    for key, value in body.items():
        if key == "id" or key in CORE or key in IMS_WRITABLE:
            if value is not None or key == "name":
                attributes[key] = value
        elif refused := attribute_refusal(key):
            raise refused
        else:
            properties[key] = value
    return attributes, properties


@router.post(
    "/v2/images",
    response={201: dict, **ERRORS, 413: Error},
    summary="Create an image (queued, without data)",
)
def image_create(request: HttpRequest, body: ImageCreate):
    """Create an image record; upload its data with PUT /v2/images/{image_id}/file."""
    caller = request.auth
    # The schema checked the known keys' types; custom properties are the body's other keys.
    raw = json.loads(request.body)
    if not isinstance(raw, dict):
        raise ImsError("IMG.0001", _("The body must be a JSON object."))
    attributes, properties = _split({**raw, **body.model_dump(exclude_unset=True)})
    image = glance_image_create(
        actor=caller.user, project=caller.project, attributes=attributes, properties=properties
    )
    response = JsonResponse(docs.image_doc(image, caller.project), status=201)
    response["Location"] = f"/v2/images/{image.pk}"
    return response


@router.delete("/v2/images/{image_id}", response={204: None, **ERRORS})
def image_remove(request: HttpRequest, image_id: str):
    """Delete an own image and its data (403 when protected, as Glance)."""
    caller = request.auth
    image = visible_image(caller, image_id)
    image_delete(actor=caller.user, project=caller.project, image=image)
    return no_content()


@router.post("/v2/images/{image_id}/actions/deactivate", response={204: None, **ERRORS})
def image_deactivate(request: HttpRequest, image_id: str):
    """Deactivate an own active image: its data can no longer be downloaded."""
    caller = request.auth
    image = visible_image(caller, image_id)
    image_activation_set(actor=caller.user, project=caller.project, image=image, deactivate=True)
    return no_content()


@router.post("/v2/images/{image_id}/actions/reactivate", response={204: None, **ERRORS})
def image_reactivate(request: HttpRequest, image_id: str):
    """Reactivate an own deactivated image."""
    caller = request.auth
    image = visible_image(caller, image_id)
    image_activation_set(actor=caller.user, project=caller.project, image=image, deactivate=False)
    return no_content()


@router.put("/v2/images/{image_id}/tags/{tag}", response={204: None, **ERRORS})
def tag_add(request: HttpRequest, image_id: str, tag: str):
    """Tag an own image ("key.value", "key=value" or "key"; IMS's key/value tags)."""
    caller = request.auth
    image = visible_image(caller, image_id)
    key, value = split_tag(tag)
    image_tag_add(actor=caller.user, project=caller.project, image=image, key=key, value=value)
    return no_content()


@router.delete("/v2/images/{image_id}/tags/{tag}", response={204: None, **ERRORS})
def tag_delete(request: HttpRequest, image_id: str, tag: str):
    """Remove a tag of an own image; 404 when it has no such tag."""
    caller = request.auth
    image = visible_image(caller, image_id)
    key, _value = split_tag(tag)
    if not image_tag_delete(actor=caller.user, project=caller.project, image=image, key=key):
        raise NotFound("IMG.0001", format_lazy(_("Tag {tag} not found."), tag=tag[:255]))
    return no_content()


def body_chunks(request: HttpRequest) -> Iterator[bytes]:
    """The request body in chunks as it arrives, never whole in memory.

    Django reads only a body with a Content-Length; glanceclient sends image data chunked,
    which gunicorn decodes (`wsgi.input_terminated`) and Django's development server cannot.
    """
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower() and not request.META.get(
        "CONTENT_LENGTH"
    ):
        if not request.META.get("wsgi.input_terminated"):
            raise ImsError(
                "IMG.0001", _("This server needs a Content-Length: send the data unchunked.")
            )
        stream = request.META["wsgi.input"]
        yield from iter(lambda: stream.read(UPLOAD_CHUNK), b"")
        return
    yield from iter(lambda: request.read(UPLOAD_CHUNK), b"")


@router.put("/v2/images/{image_id}/file", response={204: None, **ERRORS, 413: Error})
def image_upload(request: HttpRequest, image_id: str):
    """Upload an own queued image's data (application/octet-stream), streamed into the
    image store and hashed on the way: queued → saving → active, back to queued on failure."""
    caller = request.auth
    image = visible_image(caller, image_id)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > files.max_file_bytes():
        raise files.too_large()
    image = image_upload_begin(actor=caller.user, project=caller.project, image=image)
    try:
        pending = files.receive(body_chunks(request), extension=image.disk_format)
    except BaseException:
        image_upload_finish(actor=caller.user, project=caller.project, image=image, pending=None)
        raise
    with pending:
        image_upload_finish(actor=caller.user, project=caller.project, image=image, pending=pending)
    return no_content()


@router.get("/v2/images/{image_id}/file", response={200: None, 204: None, **ERRORS})
def image_download(request: HttpRequest, image_id: str):
    """Download an image's data, streamed (a byte range if asked); 204 when it has none."""
    image = visible_image(request.auth, image_id)
    if refused := download_refusal(image, request.auth.project):
        raise refused
    if not image.file_name:
        return no_content()
    return file_response(request, name=image.file_name, size=image.file_size, md5=image.checksum)
