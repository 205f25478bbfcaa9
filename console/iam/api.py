"""Keystone v3 subset at /api/iam/v3: version, password tokens, projects, users."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema, Status

from console.api import ENDPOINTS, Endpoint, endpoint_register, make_api, no_content
from console.errors import IamError, NotFound
from console.iam.auth import ApiCaller, TokenOrSignature, api_caller
from console.iam.models import ApiToken
from console.iam.schemas import (
    AuthRequest,
    Error,
    Named,
    ProjectList,
    ProjectOne,
    TokenBody,
    UserOne,
    Version,
)
from console.iam.services import Ref, password_token_issue, token_find, token_revoke
from console.ids import Hex32Text
from console.models import Project, Region, Tenant, User

ENDPOINT = endpoint_register(
    Endpoint(
        prefix="/api/iam",
        service_type="identity",
        name="iam",
        default_code="IAM.0001",
        catalog_path="/api/iam/v3",
        host_root=("/v3/",),
    )
)
api = make_api(
    title="IAM (Keystone v3 subset)",
    version="3.14",
    endpoint=ENDPOINT,
    description="Identity of the IMS console replica: tokens for the OpenStack clients.",
)
auth = TokenOrSignature()
ERRORS: dict[int, type[Schema]] = {400: Error, 401: Error, 403: Error, 404: Error}
ROLES = {User.Role.ADMIN: "te_admin", User.Role.READONLY: "readonly"}


def user_id(user: User) -> str:
    """The Keystone id of a console user (32 hex characters)."""
    return f"{user.pk:032x}"


def _iso(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def project_doc(request: HttpRequest, project: Project) -> dict[str, Any]:
    """A project as Keystone shows it: the name is the region code, the domain the tenant."""
    account = project.tenant.account_id
    return {
        "id": project.project_id,
        "name": project.region.code,
        "domain_id": account,
        "parent_id": account,
        "description": project.region.name,
        "enabled": True,
        "is_domain": False,
        "links": {"self": f"{_base(request)}/api/iam/v3/projects/{project.project_id}"},
    }


def _domain(tenant: Tenant) -> dict[str, str]:
    return {"id": tenant.account_id, "name": tenant.name}


def _catalog(request: HttpRequest) -> list[dict[str, Any]]:
    base = _base(request)
    regions = list(Region.objects.order_by("code"))
    services = [
        (e.service_type, e.name, f"{base}{e.catalog_path or e.prefix}") for e in ENDPOINTS.values()
    ]
    return [
        {
            "type": kind,
            "name": name,
            "id": f"{name}-service",
            "endpoints": [
                {
                    "id": f"{name}-{region.code}",
                    "interface": "public",
                    "region": region.code,
                    "region_id": region.code,
                    "url": url,
                }
                for region in regions
            ],
        }
        for kind, name, url in services
    ]


def token_doc(request: HttpRequest, token: ApiToken, methods: list[str]) -> dict[str, Any]:
    """The token body: methods, user, project and its domain, roles, times, catalog."""
    user, project = token.user, token.project
    role = ROLES[user.role]
    return {
        "token": {
            "methods": methods,
            "user": {
                "id": user_id(user),
                "name": user.get_username(),
                "domain": _domain(user.tenant),
                "password_expires_at": None,
            },
            "project": {
                "id": project.project_id,
                "name": project.region.code,
                "domain": _domain(project.tenant),
            },
            "roles": [{"id": role, "name": role}],
            "issued_at": _iso(token.issued),
            "expires_at": _iso(token.expires),
            "audit_ids": [token.audit_id],
            "catalog": _catalog(request),
        }
    }


@api.get("/v3", response=Version, auth=None, summary="Identity version document")
def version(request: HttpRequest):
    """The v3 version document (unauthenticated)."""
    return {
        "version": {
            "id": "v3.14",
            "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{_base(request)}/api/iam/v3/"}],
            "media-types": [
                {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
            ],
        }
    }


def carry_token(response: HttpResponse, value: str) -> None:
    """Answer with the token in X-Subject-Token, an answer no cache may keep."""
    response["X-Subject-Token"] = value
    add_never_cache_headers(response)


def _ref(named: Named | None) -> Ref | None:
    if named is None:
        return None
    return Ref(id=named.id, name=named.name, domain=_ref(named.domain))


@api.post(
    "/v3/auth/tokens",
    response={201: TokenBody, **ERRORS},
    auth=None,
    summary="Issue a token (password method)",
)
def token_create(request: HttpRequest, body: AuthRequest, response: HttpResponse):
    """Authenticate with a password and issue a project-scoped token (X-Subject-Token)."""
    identity = body.auth.identity
    if "password" not in identity.methods or identity.password is None:
        raise IamError("IAM.0004", _("Only the password method is supported."))
    scope = body.auth.scope
    issued = password_token_issue(
        request=request,
        user=_ref(identity.password.user),
        password=identity.password.user.password,
        project=_ref(scope.project) if scope else None,
        domain_scoped=scope is not None and scope.project is None and scope.domain is not None,
    )
    carry_token(response, issued.value)
    return Status(201, token_doc(request, issued.row, ["password"]))


def _subject(request: HttpRequest, caller: ApiCaller) -> ApiToken:
    value = request.headers.get("X-Subject-Token", "")
    token = token_find(value)
    if token is None or token.user_id != caller.user.pk:
        raise NotFound("IAM.0011", _("Could not find the token."))
    return token


@api.api_operation(
    ["GET", "HEAD"], "/v3/auth/tokens", response={200: TokenBody, **ERRORS}, auth=auth
)
def token_validate(request: HttpRequest, response: HttpResponse):
    """Validate the token in X-Subject-Token (one of the caller's own)."""
    token = _subject(request, request.auth)
    carry_token(response, request.headers["X-Subject-Token"])
    return token_doc(request, token, ["password"])


@api.delete("/v3/auth/tokens", response={204: None, **ERRORS}, auth=auth)
def token_delete(request: HttpRequest):
    """Revoke the token in X-Subject-Token."""
    token_revoke(token=_subject(request, request.auth))
    return no_content()


def _own_projects(caller: ApiCaller):
    return Project.objects.select_related("region", "tenant").filter(
        tenant_id=caller.user.tenant_id
    )


class ProjectFilter(Schema):
    """Filters of the project list."""

    name: str | None = None


@api.get("/v3/projects", response={200: ProjectList, **ERRORS}, auth=auth)
def project_list(request: HttpRequest, filters: Query[ProjectFilter]):
    """The caller's tenant's projects (`name` is a region code)."""
    projects = _own_projects(request.auth).order_by("region__code")
    if filters.name is not None:
        projects = projects.filter(region__code=filters.name)
        if not projects:
            # Keystone refuses a non-admin any project list beyond its own; the openstack
            # CLI then uses a project ID as given (image add project).
            raise IamError("IAM.0010")
    return {
        "projects": [project_doc(request, p) for p in projects],
        "links": {"self": request.build_absolute_uri(), "next": None, "previous": None},
    }


@api.get("/v3/auth/projects", response={200: ProjectList, **ERRORS}, auth=auth)
def auth_project_list(request: HttpRequest):
    """The projects the caller may scope a token to."""
    projects = _own_projects(request.auth).order_by("region__code")
    return {
        "projects": [project_doc(request, p) for p in projects],
        "links": {"self": request.build_absolute_uri(), "next": None, "previous": None},
    }


@api.get("/v3/projects/{project_id}", response={200: ProjectOne, **ERRORS}, auth=auth)
def project_detail(request: HttpRequest, project_id: Hex32Text):
    """One of the caller's projects; any other project is 403, as Keystone tells a non-admin."""
    project = _own_projects(request.auth).filter(project_id=project_id).first()
    if project is None:
        raise IamError("IAM.0010")
    return {"project": project_doc(request, project)}


@api.get("/v3/users/{uid}", response={200: UserOne, **ERRORS}, auth=auth)
def user_detail(request: HttpRequest, uid: Hex32Text):
    """The caller's own user; anyone else is 403."""
    user = request.auth.user
    if uid != user_id(user):
        raise IamError("IAM.0010", _("You may only view your own user."))
    return {
        "user": {
            "id": user_id(user),
            "name": user.get_username(),
            "domain_id": user.tenant.account_id,
            "enabled": user.is_active,
            "password_expires_at": None,
            "links": {"self": f"{_base(request)}/api/iam/v3/users/{user_id(user)}"},
        }
    }


__all__ = ["api", "api_caller"]
