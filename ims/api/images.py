"""Glance v2 image lifecycle: create, delete, deactivate/reactivate, tags (on the router of
`ims.api.glance`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict

from console.api import error_for, no_content
from console.errors import ImsError, NotFound, UnsupportedMediaType
from console.iam.schemas import Error
from console.ids import UuidText
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
from ims.services.glance_patch import Change, glance_image_update
from ims.store import files
from ims.store.responses import file_response

UPLOAD_CHUNK = 1024 * 1024


# One router with the read routes: Ninja serves a path's methods from one router only.
class ImageCreate(Schema):
    """POST /v2/images: Glance's attributes; any other key is a custom property (a string)."""

    model_config = ConfigDict(extra="allow")

    id: UuidText | None = Field(None, max_length=36, description="A UUID of your choice.")
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


# The patch media types Glance takes, with the JSON Schema draft each follows.
PATCH_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
PATCH_OPS = ("add", "remove", "replace")
# Only a location takes a deeper pointer (and locations are refused as read-only).
PATH_DEPTH = {"locations": {"add": 2, "remove": 2, "replace": 1}}


def _pointer(pointer: object) -> list[str]:
    """The parts of a JSON pointer, in the limited form Glance accepts (else 400)."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise ImsError(
            "IMG.0001",
            format_lazy(_('Pointer `{p}` does not start with "/".'), p=str(pointer)[:255]),
        )
    if (
        re.search(r"/\s*?/", pointer[1:])
        or (len(pointer) > 1 and pointer.endswith("/"))
        or pointer[1:].strip() == "/"
        or re.search("~[^01]", pointer)
        or pointer.endswith("~")
    ):
        raise ImsError(
            "IMG.0001", format_lazy(_("Pointer `{p}` is not valid here."), p=pointer[:255])
        )
    return [part.replace("~1", "/").replace("~0", "~").strip() for part in pointer[1:].split("/")]


def _change(raw: object, draft: int) -> Change:
    """One operation of the patch, checked as Glance's deserializer checks it."""
    if not isinstance(raw, dict):
        raise ImsError("IMG.0001", _("Operations must be JSON objects."))
    if draft == 4:
        ops = [op for op in PATCH_OPS if op in raw]
        if len(ops) != 1:
            raise ImsError(
                "IMG.0001",
                _(
                    'Operation objects must contain exactly one member named "add", "remove", '
                    'or "replace".'
                ),
            )
        op, pointer = ops[0], raw[ops[0]]
    else:
        op = raw.get("op")
        if op not in PATCH_OPS:
            raise ImsError(
                "IMG.0001",
                format_lazy(
                    _("Invalid operation: `{op}`. It must be one of the following: {ops}."),
                    op=str(op)[:32],
                    ops=", ".join(PATCH_OPS),
                ),
            )
        if "path" not in raw:
            raise ImsError("IMG.0001", _("Unable to find 'path' in JSON Schema change"))
        pointer = raw["path"]
    path = _pointer(pointer)
    if len(path) != PATH_DEPTH.get(path[0], {}).get(op, 1):
        raise ImsError(
            "IMG.0001",
            format_lazy(
                _("Invalid JSON pointer for this resource: '/{path}'"), path="/".join(path)[:255]
            ),
        )
    if op == "remove":
        return Change(op, path[0])
    if "value" not in raw:
        raise ImsError(
            "IMG.0001", format_lazy(_('Operation "{op}" requires a member named "value".'), op=op)
        )
    return Change(op, path[0], raw["value"])


@router.patch("/v2/images/{image_id}", response={200: dict, **ERRORS, 413: Error, 415: Error})
def image_update(request: HttpRequest, image_id: UuidText):
    """Change an own image with a JSON patch (application/openstack-images-v2.1-json-patch):
    add, replace or remove attributes, tags and custom properties, all or nothing."""
    caller = request.auth
    draft = PATCH_TYPES.get(request.content_type)
    if draft is None:
        allowed = ", ".join(sorted(PATCH_TYPES))
        response = error_for(
            UnsupportedMediaType(
                "IMG.0001",
                format_lazy(
                    _("Image PATCH expects Content-Type one of: {allowed}"), allowed=allowed
                ),
            ),
            "IMG.0001",
        )
        response["Accept-Patch"] = allowed
        return response
    try:
        raw = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ImsError("IMG.0001", _("Malformed JSON in request body.")) from None
    if not isinstance(raw, list):
        raise ImsError("IMG.0001", _("Request body must be a JSON array of operation objects."))
    changes = [_change(item, draft) for item in raw]
    image = visible_image(caller, image_id)
    image = glance_image_update(
        actor=caller.user,
        project=caller.project,
        image=image,
        changes=changes,
        strict_add=draft == 4,
    )
    return docs.image_doc(visible_image(caller, str(image.pk)), caller.project)


def _delete_backup(request: HttpRequest) -> bool:
    """IMS's optional body `{"delete_backup": true}`: also delete a full-ECS image's backups
    (Glance clients send no body: the backups then stay in their vault, as IMS documents)."""
    if not request.body:
        return False
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("delete_backup", False), bool):
        raise ImsError(
            "IMG.0001", _('The body must be a JSON object such as {"delete_backup": true}.')
        )
    return body.get("delete_backup", False)


@router.delete("/v2/images/{image_id}", response={204: None, **ERRORS})
def image_remove(request: HttpRequest, image_id: UuidText):
    """Delete an own image and its data (403 when protected, as Glance; 409 while it is
    being created). IMS's optional body `{"delete_backup": true}` also deletes the backups
    a full-ECS image keeps in the owner's server backup vault."""
    caller = request.auth
    image = visible_image(caller, image_id)
    delete_backups = _delete_backup(request)
    image_delete(
        actor=caller.user, project=caller.project, image=image, delete_backups=delete_backups
    )
    return no_content()


@router.post("/v2/images/{image_id}/actions/deactivate", response={204: None, **ERRORS})
def image_deactivate(request: HttpRequest, image_id: UuidText):
    """Deactivate an own active image: its data can no longer be downloaded."""
    caller = request.auth
    image = visible_image(caller, image_id)
    image_activation_set(actor=caller.user, project=caller.project, image=image, deactivate=True)
    return no_content()


@router.post("/v2/images/{image_id}/actions/reactivate", response={204: None, **ERRORS})
def image_reactivate(request: HttpRequest, image_id: UuidText):
    """Reactivate an own deactivated image."""
    caller = request.auth
    image = visible_image(caller, image_id)
    image_activation_set(actor=caller.user, project=caller.project, image=image, deactivate=False)
    return no_content()


@router.put("/v2/images/{image_id}/tags/{tag}", response={204: None, **ERRORS})
def tag_add(request: HttpRequest, image_id: UuidText, tag: str):
    """Tag an own image ("key.value", "key=value" or "key"; IMS's key/value tags)."""
    caller = request.auth
    image = visible_image(caller, image_id)
    key, value = split_tag(tag)
    image_tag_add(actor=caller.user, project=caller.project, image=image, key=key, value=value)
    return no_content()


@router.delete("/v2/images/{image_id}/tags/{tag}", response={204: None, **ERRORS})
def tag_delete(request: HttpRequest, image_id: UuidText, tag: str):
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
def image_upload(request: HttpRequest, image_id: UuidText):
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
def image_download(request: HttpRequest, image_id: UuidText):
    """Download an image's data, streamed (a byte range if asked); 204 when it has none."""
    image = visible_image(request.auth, image_id)
    if refused := download_refusal(image, request.auth.project):
        raise refused
    if not image.file_name:
        return no_content()
    return file_response(request, name=image.file_name, size=image.file_size, md5=image.checksum)
