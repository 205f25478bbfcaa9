"""Who is calling the API: a token (X-Auth-Token) or an AK/SK signature, never a session."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader

from console.errors import IamError
from console.iam import signature
from console.iam.models import AccessKey, ApiToken
from console.iam.services import secret_decrypt, token_find
from console.ids import HEX32_RE
from console.models import Project, User


@dataclass(frozen=True)
class ApiCaller:
    """The authenticated caller: a user acting in one project (None for unscoped AK/SK)."""

    user: User
    project: Project | None
    token: ApiToken | None = None
    access_key: AccessKey | None = None


def _signing_key(ak: str) -> tuple[AccessKey | None, str]:
    """The enabled key `ak` of an active tenant user and its secret, or (None, a dummy)."""
    key = None
    if signature.ACCESS_KEY_RE.fullmatch(ak):
        key = (
            AccessKey.objects.select_related("user__tenant")
            .filter(access_key=ak, status=AccessKey.Status.ACTIVE, user__is_active=True)
            .exclude(user__tenant=None)
            .first()
        )
    secret = secret_decrypt(key) if key is not None else None
    if key is None or secret is None:
        # Still sign below: a refused key costs what a wrong signature costs.
        return None, "x" * 40
    return key, secret


def _signed_caller(request: HttpRequest, authorization: str) -> ApiCaller:
    # Everything that does not depend on the key is checked first, and every refusal that
    # does is the same error: the answers tell nothing about which access keys exist.
    parsed = signature.parse_authorization(authorization)
    if parsed is None:
        raise IamError(
            "IAM.0006", _("Expected SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=….")
        )
    ak, signed_headers, sig = parsed
    if missing := signature.unsigned_headers(request.headers, signed_headers):
        raise IamError(
            "IAM.0006",
            format_lazy(_("Sign these headers too: {names}."), names=", ".join(missing)),
        )
    when = signature.sdk_date(request.headers.get("X-Sdk-Date", ""))
    if when is None:
        raise IamError("IAM.0006", _("X-Sdk-Date must be a UTC time as YYYYMMDDTHHMMSSZ."))
    if abs(timezone.now() - when) > signature.MAX_SKEW:
        raise IamError("IAM.0008")
    body = request.body
    if body and request.headers.get("X-Sdk-Content-Sha256") == signature.UNSIGNED_PAYLOAD:
        raise IamError("IAM.0006", _("Sign the request body: UNSIGNED-PAYLOAD is not accepted."))
    key, secret = _signing_key(ak)
    text = signature.string_to_sign(
        method=request.method or "GET",
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        headers=request.headers,
        signed_headers=signed_headers,
        body=body,
    )
    if not signature.signature_valid(secret, text, sig) or key is None:
        raise IamError("IAM.0006")
    project = None
    if project_id := request.headers.get("X-Project-Id", ""):
        project = (
            Project.objects.select_related("region", "tenant")
            .filter(project_id=project_id, tenant_id=key.user.tenant_id)
            .first()
            if HEX32_RE.fullmatch(project_id)
            else None
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
