"""What every API of the replica shares: the error body, status codes, and the Ninja setup."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from console.errors import ConsoleError, RoleRefused, ShareRefused
from console.iam.errors import IamError

logger = logging.getLogger(__name__)

# IMS codes whose refusal is about who may act rather than what was asked (Glance's 403/404).
STATUS_BY_CODE = {
    "IMG.0026": 403,
    "IMG.0047": 403,
    "IMG.0092": 403,
    "IMG.0106": 403,
    "IMG.0027": 404,
    "IMG.0144": 404,
    "IMG.0086": 404,
}


class ApiError(ConsoleError):
    """A refusal decided in an API view, with its HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        super().__init__(message, code=code)


def error_response(status: int, code: str, message: str) -> JsonResponse:
    """The one error body every client understands: {"error": {"code", "message"}}."""
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def error_for(exc: ConsoleError, default_code: str) -> JsonResponse:
    """The response for a refused operation."""
    status = getattr(exc, "status", None) or STATUS_BY_CODE.get(exc.code, 400)
    if isinstance(exc, RoleRefused):
        status = 403
    return error_response(status, exc.code or default_code, exc.message)


def no_content() -> HttpResponse:
    """204 without a body or a JSON content type (glanceclient parses JSON it is told of)."""
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response


def make_api(*, title: str, version: str, namespace: str, default_code: str, **kw) -> NinjaAPI:
    """A NinjaAPI whose every refusal is a JSON error body, never HTML and never a 500."""
    api = NinjaAPI(title=title, version=version, urls_namespace=namespace, **kw)

    @api.exception_handler(ConsoleError)
    def _console_error(request: HttpRequest, exc: ConsoleError) -> HttpResponse:
        return error_for(exc, default_code)

    @api.exception_handler(ShareRefused)
    def _share_refused(request: HttpRequest, exc: ShareRefused) -> HttpResponse:
        # Every problem is in the message; the code is the first one's.
        codes = [p.error.code for p in exc.problems if p.error.code]
        return error_response(400, codes[0] if codes else "IMG.0112", exc.message)

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        problems = []
        for error in exc.errors[:5]:
            where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "body"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        return error_response(400, default_code, "Invalid request: " + "; ".join(problems) + ".")

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_for(IamError("IAM.0002"), default_code)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code, default_code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, default_code, str(exc) or "The resource could not be found.")

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API request failed: %s %s", request.method, request.path)
        return error_response(500, "APIGW.0500", "The request could not be processed.")

    return api


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
            code = "IMG.0001" if request.path_info.startswith("/api/ims") else "IAM.0001"
            messages = {404: "The resource could not be found.", 405: "Method not allowed."}
            text = messages.get(response.status_code, "The request is invalid.")
            replaced = error_response(response.status_code, code, text)
            if allow := response.get("Allow"):
                replaced["Allow"] = allow
            return replaced
        return response
