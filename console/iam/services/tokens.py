"""API tokens: issued for a password (POST /auth/tokens), found, revoked."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from console.errors import IamError
from console.iam.models import ApiToken
from console.ids import HEX32_RE
from console.models import Project, Tenant, User

TOKEN_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Ref:
    """A Keystone reference: by id, or by name (within a domain for users and projects)."""

    id: str | None = None
    name: str | None = None
    domain: Ref | None = None


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the secret value (returned once) and its row."""

    value: str
    row: ApiToken


@transaction.atomic
def token_issue(*, user: User, project: Project) -> IssuedToken:
    """Issue a 24-hour token bound to `user` and one of its tenant's projects."""
    if user.tenant_id is None or project.tenant_id != user.tenant_id:
        raise IamError("IAM.0005")
    value = secrets.token_urlsafe(48)
    now = timezone.now()
    row = ApiToken.objects.create(
        digest=token_digest(value),
        user=user,
        project=project,
        audit_id=secrets.token_urlsafe(16)[:22],
        issued=now,
        expires=now + TOKEN_LIFETIME,
        password_fingerprint=user.get_session_auth_hash(),
    )
    return IssuedToken(value=value, row=row)


def _find_domain(ref: Ref | None) -> Tenant | None:
    if ref is None:
        return None
    if ref.id:
        return Tenant.objects.filter(account_id=ref.id).first()
    if ref.name:
        return Tenant.objects.filter(name=ref.name).first()
    return None


def _credentials(ref: Ref) -> dict[str, str | None] | None:
    """What `authenticate()` is given for a Keystone user reference, or None if it names no one.

    The user name is always among them, so django-axes counts failures by the same name
    whether they come from the console or from the API; a user id is resolved to its name.
    """
    if ref.id:
        if not HEX32_RE.match(ref.id):
            return None
        name = User.objects.filter(pk=int(ref.id, 16)).values_list("username", flat=True).first()
        return {"username": name or ref.id, "user_id": ref.id}
    if not ref.name or ref.domain is None or not (ref.domain.id or ref.domain.name):
        return None
    return {"username": ref.name, "account": ref.domain.id or ref.domain.name}


def _scope_project(user: User, project_ref: Ref | None, domain_scoped: bool) -> Project:
    projects = Project.objects.select_related("region", "tenant").filter(tenant_id=user.tenant_id)
    if project_ref is None and not domain_scoped:
        # Keystone scopes to the user's default project: here the default region's.
        project = projects.order_by("-region__is_default", "region__code").first()
    elif project_ref is None:
        raise IamError("IAM.0005", _("Scope the token to a project: domain tokens are not issued."))
    elif project_ref.id:
        project = projects.filter(project_id=project_ref.id).first()
    else:
        tenant = _find_domain(project_ref.domain)
        project = None
        if tenant is not None and tenant.pk == user.tenant_id and project_ref.name:
            project = projects.filter(region__code=project_ref.name).first()
    if project is None:
        raise IamError("IAM.0005")
    return project


def password_token_issue(
    *,
    request: HttpRequest,
    user: Ref,
    password: str,
    project: Ref | None = None,
    domain_scoped: bool = False,
) -> IssuedToken:
    """Authenticate a user by password and issue a token scoped to one of its projects.

    Through Django's authenticate(), as the console's login: the same hashing for every
    refusal, and django-axes counts and locks out API and console failures together.
    """
    credentials = _credentials(user)
    found = None
    if credentials is None:
        # A reference that names no one still costs a password hash.
        get_user_model()().set_password(password)
    else:
        found = authenticate(request, password=password, **credentials)
    if getattr(request, "axes_locked_out", False):
        raise IamError("IAM.0014")
    if found is None or found.tenant_id is None:
        raise IamError("IAM.0004")
    return token_issue(user=found, project=_scope_project(found, project, domain_scoped))


def token_find(value: str) -> ApiToken | None:
    """The valid token with this value, or None.

    Valid: unexpired, unrevoked, of an active user whose password is still the one it had
    when the token was issued (a password hash upgraded at login counts as a change too).
    """
    if not value or len(value) > 512:
        return None
    row = (
        ApiToken.objects.select_related("user__tenant", "project__region", "project__tenant")
        .filter(digest=token_digest(value), revoked=False, expires__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    if not constant_time_compare(row.password_fingerprint, row.user.get_session_auth_hash()):
        return None
    return row


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    """Revoke a token (DELETE /auth/tokens)."""
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
