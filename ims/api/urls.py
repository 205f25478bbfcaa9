"""URLs of the IMS API under /api/ims: the version documents, then the Ninja routes."""

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

# The Image API versions whose features this endpoint serves, newest first: images, members,
# tags and data (2.0-2.1), deactivation (2.3), community images (2.5), import discovery
# with no import method enabled (2.6), hidden images and multihash (2.7). Later versions
# add multiple stores, the cache, tasks and locations, which it does not serve.
GLANCE_VERSIONS = ["2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"]


def versions_doc(request: HttpRequest) -> dict:
    """The versions the image endpoint serves; `self` links say where the routes live."""
    href = request.build_absolute_uri("/api/ims/v2/")
    return {
        "versions": [
            {
                "id": f"v{version}",
                "status": "CURRENT" if version == GLANCE_VERSIONS[0] else "SUPPORTED",
                "links": [{"rel": "self", "href": href}],
            }
            for version in GLANCE_VERSIONS
        ]
    }


@api.get("/versions", response=Versions, auth=None, tags=["Versions"])
def versions(request: HttpRequest):
    """The version document (unauthenticated), 200 as Glance answers it here."""
    return versions_doc(request)


@api.get("/", response={300: Versions}, auth=None, tags=["Versions"], url_name="root")
def root(request: HttpRequest):
    """The version choices at the endpoint itself: 300 Multiple Choices, as Glance."""
    return 300, versions_doc(request)


@api.get("/v2", response=Versions, auth=None, tags=["Versions"])
def version_2(request: HttpRequest):
    """The versions of the Image API v2, for a client that discovers at the versioned URL."""
    return versions_doc(request)


@require_safe
def endpoint_root(request: HttpRequest) -> JsonResponse:
    """GET /api/ims (no slash): where openstacksdk and keystoneauth discover versions."""
    return JsonResponse(versions_doc(request), status=300)


urlpatterns = [
    path("", endpoint_root),
    path("/", api.urls),
]
