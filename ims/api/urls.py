"""URLs of the IMS API under /api/ims: the version document, then the Ninja routes."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_safe

from ims.api import images, native
from ims.api.common import api
from ims.api.schemas import Versions

# The Glance router, with the image lifecycle routes `images` adds to it.
api.add_router("", images.router)
api.add_router("", native.router)


def versions_doc(request: HttpRequest) -> dict:
    """The versions the image endpoint serves; `self` links say where the routes live."""
    base = request.build_absolute_uri("/api/ims")
    entries = [("v2.17", "CURRENT", "v2"), ("v2.0", "SUPPORTED", "v2"), ("v1.0", "SUPPORTED", "v1")]
    return {
        "versions": [
            {"id": vid, "status": status, "links": [{"rel": "self", "href": f"{base}/{path}/"}]}
            for vid, status, path in entries
        ]
    }


@api.get("/versions", response=Versions, auth=None, tags=["Versions"])
def versions(request: HttpRequest):
    """The version document (unauthenticated)."""
    return versions_doc(request)


@api.get("/", response=Versions, auth=None, tags=["Versions"], url_name="root")
def root(request: HttpRequest):
    """The version document at the endpoint itself, for keystoneauth's discovery."""
    return versions_doc(request)


@require_safe
def endpoint_root(request: HttpRequest) -> JsonResponse:
    """GET /api/ims (no slash): where openstacksdk and keystoneauth discover versions."""
    return JsonResponse(versions_doc(request))


urlpatterns = [
    path("", endpoint_root),
    path("/", api.urls),
]
