"""Access keys (AK/SK): created with the password, enabled, disabled, deleted."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import IamError, NotFound
from console.iam.models import AccessKey
from console.models import Project, User

AK_ALPHABET = string.ascii_uppercase + string.digits
SK_ALPHABET = string.ascii_letters + string.digits


def _fernet() -> Fernet:
    # The secret keys are encrypted with a key derived from SECRET_KEY: a database dump
    # alone does not reveal them.
    digest = hashlib.sha256(b"iam-access-key:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(secret: str) -> str:
    """The stored form of a secret key."""
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(key: AccessKey) -> str | None:
    """The plain secret key, or None if it cannot be decrypted (SECRET_KEY changed)."""
    try:
        return _fernet().decrypt(key.secret_encrypted.encode()).decode()
    except InvalidToken:
        return None


@dataclass(frozen=True)
class NewAccessKey:
    """A created access key and its secret, shown once."""

    key: AccessKey
    secret: str


def _key_resource(kw: dict) -> tuple[object, str]:
    key = kw.get("key")
    return (key.access_key if key else ""), kw["actor"].get_username()


@audited(
    service="IAM", operation="createCredential", resource_type="credential", resource=_key_resource
)
def access_key_create(
    *, actor: User, project: Project, password: str, description: str = ""
) -> NewAccessKey:
    """Create an access key for `actor`, confirmed with the password; at most 2 per user."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not user.check_password(password or ""):
        raise IamError("IAM.0013")
    if AccessKey.objects.filter(user=user).count() >= AccessKey.MAX_PER_USER:
        raise IamError("IAM.0012", _("Delete one before creating another."))
    if len(description) > 255:
        raise IamError("IAM.0001", _("The description may have at most 255 characters."))
    while True:
        ak = "".join(secrets.choice(AK_ALPHABET) for _ in range(20))
        if not AccessKey.objects.filter(access_key=ak).exists():
            break
    sk = "".join(secrets.choice(SK_ALPHABET) for _ in range(40))
    key = AccessKey.objects.create(
        user=user,
        access_key=ak,
        secret_encrypted=secret_encrypt(sk),
        description=description,
    )
    note(resource_id=key.access_key, resource_name=user.get_username())
    return NewAccessKey(key=key, secret=sk)


def _lock_own(actor: User, key: AccessKey) -> AccessKey:
    locked = AccessKey.objects.select_for_update().filter(pk=key.pk, user=actor).first()
    if locked is None:
        raise NotFound("IAM.0011")
    return locked


@audited(
    service="IAM", operation="updateCredential", resource_type="credential", resource=_key_resource
)
def access_key_set_status(
    *, actor: User, project: Project, key: AccessKey, active: bool
) -> AccessKey:
    """Enable or disable one of `actor`'s access keys."""
    locked = _lock_own(actor, key)
    locked.status = AccessKey.Status.ACTIVE if active else AccessKey.Status.INACTIVE
    locked.save(update_fields=["status"])
    note(
        resource_id=locked.access_key,
        resource_name=actor.get_username(),
        detail={"status": locked.status},
    )
    return locked


@audited(
    service="IAM", operation="deleteCredential", resource_type="credential", resource=_key_resource
)
def access_key_delete(*, actor: User, project: Project, key: AccessKey) -> None:
    """Delete one of `actor`'s access keys; requests signed with it fail from now on."""
    locked = _lock_own(actor, key)
    note(resource_id=locked.access_key, resource_name=actor.get_username())
    locked.delete()
