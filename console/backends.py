"""The console's IAM user login: account (tenant) name, IAM user name and password.

The real console names the user within an account; here user names are unique across the
install, but a login must still name the user's own account, so that a wrong account is as
wrong as a wrong password. Operators without a tenant log in with their user name as the
account name.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from console.ids import HEX32_RE
from console.models import User


def _account_matches(user: User, account: str) -> bool:
    if user.tenant_id is None:
        return account.casefold() == user.username.casefold()
    tenant = user.tenant
    return account.casefold() in {tenant.name.casefold(), tenant.account_id.casefold()}


class AccountBackend(ModelBackend):
    """Authenticate by account + user name (console) or by user id (Keystone's user.id).

    Django admin's login names no account: there the user name alone finds the user.
    Every refusal costs one password hash, like a wrong password does (Django's dummy-hash
    approach), so the answer time says nothing about which part was wrong.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        account: str | None = None,
        user_id: str | None = None,
        **kwargs: object,
    ) -> User | None:
        """The active user these credentials name, or None (after the same hashing work)."""
        if password is None:
            return None
        user = self._find(username=username, account=account, user_id=user_id)
        if user is None:
            # Hash anyway: an unknown account or user costs what a wrong password costs.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def _find(
        self, *, username: str | None, account: str | None, user_id: str | None
    ) -> User | None:
        users = User.objects.select_related("tenant")
        if user_id is not None:
            if not HEX32_RE.match(user_id):
                return None
            return users.filter(pk=int(user_id, 16), tenant__isnull=False).first()
        if not username:
            return None
        user = users.filter(username=username).first()
        # Django admin's login asks no account (only staff pass it); the console's always does.
        if user is None or (account is not None and not _account_matches(user, account.strip())):
            return None
        return user
