"""Serve the IMS endpoint at the host root too: the Huawei Cloud SDK drops an endpoint's path."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ims.api.common import ENDPOINT


class ImsRootMiddleware:
    """Route /v1/… and /v2/… to the IMS API; `request.path` stays what the client signed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Rewrite the path the URL resolver sees."""
        if request.path_info.startswith(ENDPOINT.host_root):
            request.path_info = ENDPOINT.prefix + request.path_info
        return self.get_response(request)
