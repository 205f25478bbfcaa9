"""Request and response shapes of the Keystone v3 subset (they document the OpenAPI)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class Named(Schema):
    """A reference by id or by name (a domain, or a project with its domain)."""

    id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=128)
    domain: Named | None = None


class PasswordUser(Named):
    """The user of the password method."""

    password: str = Field("", max_length=256)


class Password(Schema):
    """The password method."""

    user: PasswordUser


class Identity(Schema):
    """How the caller proves who it is."""

    methods: list[str]
    password: Password | None = None


class Scope(Schema):
    """What the token is for: one project."""

    project: Named | None = None
    domain: Named | None = None


class Auth(Schema):
    """The auth object."""

    identity: Identity
    scope: Scope | None = None


class AuthRequest(Schema):
    """POST /auth/tokens."""

    auth: Auth


class TokenBody(Schema):
    """The token document."""

    token: dict[str, Any]


class ProjectOut(Schema):
    """A project (one region of a tenant)."""

    id: str
    name: str
    domain_id: str
    parent_id: str
    description: str
    enabled: bool
    is_domain: bool
    links: dict[str, Any]


class ProjectList(Schema):
    """A list of projects."""

    projects: list[ProjectOut]
    links: dict[str, Any]


class ProjectOne(Schema):
    """One project."""

    project: ProjectOut


class UserOne(Schema):
    """One user."""

    user: dict[str, Any]


class Version(Schema):
    """The identity version document keystoneauth discovers."""

    version: dict[str, Any]


class ErrorDetail(Schema):
    """An error's code and message."""

    code: str
    message: str


class Error(Schema):
    """Every refusal: {"error": {"code", "message"}}."""

    error: ErrorDetail
