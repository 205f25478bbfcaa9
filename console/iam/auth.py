"""Who is calling the API: a token (X-Auth-Token) or an AK/SK signature, never a session."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader

from console.errors import IamError
from console.iam import signature
from console.iam.models import AccessKey, ApiToken
from console.iam.services import secret_decrypt, token_find
from console.models import Project, User


@dataclass(frozen=True)
class ApiCaller:
    """The authenticated caller: a user acting in one project (None for unscoped AK/SK)."""

    user: User
    project: Project | None
    token: ApiToken | None = None
    access_key: AccessKey | None = None


def _signed_caller(request: HttpRequest, authorization: str) -> ApiCaller:
    parsed = signature.parse_authorization(authorization)
    if parsed is None:
        raise IamError(
            "IAM.0006", _("Expected SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=….")
        )
    ak, signed_headers, sig = parsed
    key = (
        AccessKey.objects.select_related("user__tenant")
        .filter(access_key=ak, status=AccessKey.Status.ACTIVE)
        .first()
    )
    if key is None or not key.user.is_active or key.user.tenant_id is None:
        raise IamError("IAM.0007")
    when = signature.sdk_date(request.headers.get("X-Sdk-Date", ""))
    if when is None or "x-sdk-date" not in signed_headers:
        raise IamError("IAM.0006", _("X-Sdk-Date must be signed, as YYYYMMDDTHHMMSSZ."))
    if abs(timezone.now() - when) > signature.MAX_SKEW:
        raise IamError("IAM.0008")
    secret = secret_decrypt(key)
    text = signature.string_to_sign(
        method=request.method or "GET",
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        headers=request.headers,
        signed_headers=signed_headers,
        body=request.body,
    )
    if secret is None or not signature.signature_valid(secret, text, sig):
        raise IamError("IAM.0006")
    project = None
    if project_id := request.headers.get("X-Project-Id", ""):
        project = (
            Project.objects.select_related("region", "tenant")
            .filter(project_id=project_id, tenant_id=key.user.tenant_id)
            .first()
        )
        if project is None:
            raise IamError("IAM.0009")
    return ApiCaller(user=key.user, project=project, access_key=key)


def api_caller(request: HttpRequest) -> ApiCaller:
    """Authenticate the request; raise IamError when it cannot be."""
    if token := request.headers.get("X-Auth-Token", ""):
        row = token_find(token)
        if row is None:
            raise IamError("IAM.0003")
        return ApiCaller(user=row.user, project=row.project, token=row)
    if authorization := request.headers.get("Authorization", ""):
        return _signed_caller(request, authorization)
    raise IamError("IAM.0002")


class TokenOrSignature(APIKeyHeader):
    """Ninja auth: X-Auth-Token (documented in OpenAPI), or an SDK-HMAC-SHA256 signature."""

    param_name = "X-Auth-Token"

    def __call__(self, request: HttpRequest) -> ApiCaller:
        """Return the caller; refusals propagate as IamError, answered in the API's format."""
        caller = api_caller(request)
        request.caller = caller
        return caller

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiCaller | None:
        """Unused: `__call__` handles both schemes."""
        return None


class ProjectScoped(TokenOrSignature):
    """Like TokenOrSignature, and the caller must act in a project (IMS routes)."""

    def __call__(self, request: HttpRequest) -> ApiCaller:
        """Refuse callers without a project."""
        caller = super().__call__(request)
        if caller.project is None:
            raise IamError("IAM.0005", _("Send X-Project-Id with AK/SK-signed requests."))
        return caller
