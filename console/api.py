"""What every API of the replica shares: the error body, the one error → HTTP status table,
the endpoints a service registers, and the Ninja setup."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from console.errors import (
    MESSAGES,
    BatchRefused,
    Conflict,
    ConsoleError,
    Forbidden,
    LimitExceeded,
    NotFound,
    ShareRefused,
    Throttled,
    UnsupportedMediaType,
)

logger = logging.getLogger(__name__)

# The one place the APIs decide an HTTP status (Glance's and Keystone's): by the kind of
# refusal first, then by its code; anything else refused is 400.
HTTP_STATUS: dict[type[Exception] | str, int] = {
    # A submission refused as a whole names every problem, whatever their codes.
    ShareRefused: 400,
    BatchRefused: 400,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    LimitExceeded: 413,
    UnsupportedMediaType: 415,
    Throttled: 429,
    Http404: 404,
    ValidationError: 400,
    AuthenticationError: 401,
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE (image data is streamed, never read whole).
    RequestDataTooBig: 413,
    # Who may act: no or bad credentials (401), not allowed (403), not there (404).
    "IAM.0002": 401,
    "IAM.0003": 401,
    "IAM.0004": 401,
    "IAM.0005": 401,
    "IAM.0006": 401,
    "IAM.0008": 401,
    "IAM.0009": 403,
    "IAM.0010": 403,
    "IAM.0011": 404,
    "IAM.0014": 429,
    "IMG.0026": 403,
    "IMG.0047": 403,
    "IMG.0089": 403,
    "IMG.0092": 403,
    "IMG.0094": 403,
    "IMG.0106": 403,
    "IMG.0027": 404,
    "IMG.0086": 404,
    "IMG.0144": 404,
    "IMG.0112": 409,
    # An image file over the store's cap; the store itself failing.
    "IMG.0059": 413,
    "IMG.1075": 503,
    "APIGW.0101": 404,
    "APIGW.0105": 405,
    "APIGW.0201": 413,
    "APIGW.0500": 500,
}


def http_status(exc: Exception) -> int:
    """The HTTP status the APIs answer `exc` with."""
    for kind in type(exc).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    if isinstance(exc, HttpError):
        return exc.status_code
    return HTTP_STATUS.get(getattr(exc, "code", ""), 400)


@dataclass(frozen=True)
class Endpoint:
    """A service's API: where it is served, its catalog entry, the code of its generic refusal."""

    prefix: str
    service_type: str
    name: str
    default_code: str
    # Where the catalog sends clients (Keystone's is the versioned /v3).
    catalog_path: str = ""
    # Paths served at the host root too (the Huawei Cloud SDK drops an endpoint's path).
    host_root: tuple[str, ...] = ()


ENDPOINTS: dict[str, Endpoint] = {}


def endpoint_register(endpoint: Endpoint) -> Endpoint:
    """Make the endpoint known to the catalog and to the API error middleware."""
    ENDPOINTS[endpoint.name] = endpoint
    return endpoint


def endpoint_for_path(path: str) -> Endpoint | None:
    """The registered endpoint serving `path`, if any."""
    for endpoint in ENDPOINTS.values():
        if path == endpoint.prefix or path.startswith(endpoint.prefix + "/"):
            return endpoint
    return None


def error_response(status: int, code: str, message: object) -> JsonResponse:
    """The one error body every client understands: {"error": {"code", "message"}}."""
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)


def error_for(exc: Exception, default_code: str) -> JsonResponse:
    """The answer to a refusal, in the API's error format."""
    code = getattr(exc, "code", "") or default_code
    message = getattr(exc, "message", "") or str(exc) or MESSAGES["IAM.0011"]
    response = error_response(http_status(exc), code, message)
    if response.status_code == 429:
        response["Retry-After"] = str(getattr(exc, "retry_after", None) or retry_after_seconds())
    return response


def retry_after_seconds() -> int:
    """How long a locked-out login waits (django-axes' cool-down), for its Retry-After."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def no_content() -> HttpResponse:
    """204 without a body or a JSON content type (glanceclient parses JSON it is told of)."""
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response


def _validation_message(exc: ValidationError) -> object:
    problems = []
    for error in exc.errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "body"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return format_lazy(_("Invalid request: {problems}."), problems="; ".join(problems))


# Where the screening middleware keeps the JSON body it parsed (console/screening.py).
SCREENED_JSON = "_screened_json"


class ScreenedJsonParser(Parser):
    """Ninja's JSON parser, reusing the body the screening middleware parsed and checked."""

    def parse_body(self, request: HttpRequest):
        """The screened body if there is one, else the body parsed as Ninja does."""
        if hasattr(request, SCREENED_JSON):
            return getattr(request, SCREENED_JSON)
        return super().parse_body(request)


class EndpointApi(NinjaAPI):
    """A NinjaAPI whose OpenAPI document lists the routes served at the host root too."""

    def __init__(self, *args, endpoint: Endpoint, **kw) -> None:
        self.endpoint = endpoint
        super().__init__(*args, **kw)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, plus a twin of each route the host root serves as well."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        prefix = self.endpoint.prefix
        paths = document["paths"]
        for path, operations in list(paths.items()):
            rooted = path.removeprefix(prefix)
            if rooted == path or not rooted.startswith(self.endpoint.host_root):
                continue
            paths[rooted] = {
                method: {**operation, "operationId": f"{operation['operationId']}_host_root"}
                for method, operation in operations.items()
            }
        return document


def make_api(*, title: str, version: str, endpoint: Endpoint, **kw) -> NinjaAPI:
    """A NinjaAPI whose every refusal is a JSON error body, never HTML and never a 500."""
    api = EndpointApi(
        endpoint=endpoint,
        title=title,
        version=version,
        urls_namespace=f"{endpoint.name}_api",
        parser=ScreenedJsonParser(),
        **kw,
    )
    default_code = endpoint.default_code

    @api.exception_handler(ConsoleError)
    def _console_error(request: HttpRequest, exc: ConsoleError) -> HttpResponse:
        if isinstance(exc, ShareRefused):
            # Every problem is in the message; the code is the first one's.
            codes = [p.error.code for p in exc.problems if p.error.code]
            return error_response(http_status(exc), codes[0] if codes else "IMG.0112", exc.message)
        return error_for(exc, default_code)

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(http_status(exc), default_code, _validation_message(exc))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(http_status(exc), "IAM.0002", MESSAGES["IAM.0002"])

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(http_status(exc), default_code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(http_status(exc), default_code, str(exc) or MESSAGES["IAM.0011"])

    @api.exception_handler(RequestDataTooBig)
    def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(http_status(exc), "APIGW.0201", MESSAGES["APIGW.0201"])

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API request failed: %s %s", request.method, request.path)
        return error_response(500, "APIGW.0500", MESSAGES["APIGW.0500"])

    return api


# Django's own refusals under an API prefix (no route, wrong method, bad request).
GATEWAY_ERRORS = {404: "APIGW.0101", 405: "APIGW.0105", 413: "APIGW.0201"}


class ApiJsonErrorsMiddleware:
    """Under /api/, turn Django's own non-JSON refusals (404, 405, 400) into the error body."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Pass through, replacing a non-JSON error response on an API path."""
        response = self.get_response(request)
        if (
            request.path_info.startswith("/api/")
            and response.status_code >= 400
            and "json" not in response.get("Content-Type", "")
        ):
            endpoint = endpoint_for_path(request.path_info)
            code = GATEWAY_ERRORS.get(response.status_code) or (
                endpoint.default_code if endpoint else "APIGW.0101"
            )
            replaced = error_response(response.status_code, code, MESSAGES[code])
            if allow := response.get("Allow"):
                replaced["Allow"] = allow
            return replaced
        return response


class ApiHeadersMiddleware:
    """Under /api/: a request ID on every answer, and on a 401 where to get a token.

    `X-Openstack-Request-Id` as every OpenStack service sends it (and `X-Request-Id`, which
    the Huawei Cloud SDK reads); `WWW-Authenticate` as Keystone's middleware sends it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Add the headers to an API response (after the host-root rewrites)."""
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            request_id = f"req-{uuid.uuid4()}"
            response.headers.setdefault("X-Openstack-Request-Id", request_id)
            response.headers.setdefault("X-Request-Id", request_id)
            if response.status_code == 401:
                identity = request.build_absolute_uri("/api/iam")
                response.headers.setdefault("WWW-Authenticate", f'Keystone uri="{identity}"')
        return response
