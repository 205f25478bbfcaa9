"""API tokens: issued for a password (POST /auth/tokens), found, revoked."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
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
    return hashlib.sha256(token.encode()).hexdigest()


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


def _find_user(ref: Ref) -> User | None:
    if ref.id:
        if not HEX32_RE.match(ref.id):
            return None
        return User.objects.select_related("tenant").filter(pk=int(ref.id, 16)).first()
    if not ref.name:
        return None
    tenant = _find_domain(ref.domain)
    if tenant is None:
        return None
    return User.objects.select_related("tenant").filter(username=ref.name, tenant=tenant).first()


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
    *, user: Ref, password: str, project: Ref | None = None, domain_scoped: bool = False
) -> IssuedToken:
    """Authenticate a user by password and issue a token scoped to one of its projects."""
    found = _find_user(user)
    if (
        found is None
        or not found.is_active
        or found.tenant_id is None
        or not found.check_password(password)
    ):
        raise IamError("IAM.0004")
    return token_issue(user=found, project=_scope_project(found, project, domain_scoped))


def token_find(value: str) -> ApiToken | None:
    """The valid (unexpired, unrevoked) token with this value, or None."""
    if not value or len(value) > 512:
        return None
    row = (
        ApiToken.objects.select_related("user__tenant", "project__region", "project__tenant")
        .filter(digest=token_digest(value), revoked=False, expires__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    """Revoke a token (DELETE /auth/tokens)."""
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
