"""KMS services: custom keys, grants and key states."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.audit.services import audited, note
from console.errors import InputRefused
from console.ids import HEX32_RE
from console.kms.models import Key, KeyGrant
from console.models import Project, Tenant, User
from console.services import ensure_can_change

KEY_ALIAS_RULE = _(
    "1 to 255 characters: letters, digits, underscores (_), hyphens (-) and slashes (/)"
)


KEY_ALIAS_MAX = 255
KEY_DESCRIPTION_MAX = 255
KEY_ALIAS_RE = re.compile(rf"\A[A-Za-z0-9_/-]{{1,{KEY_ALIAS_MAX}}}\Z")


def key_alias_refusal(alias: str) -> InputRefused | None:
    """Why `alias` cannot name a new custom key (its form; uniqueness is checked locked)."""
    if not KEY_ALIAS_RE.match(alias or ""):
        return InputRefused(
            format_lazy(_("Enter a valid alias: {rule}."), rule=KEY_ALIAS_RULE), field="alias"
        )
    if alias.lower().endswith("/default"):
        return InputRefused(_("An alias cannot end with /default: it is reserved."), field="alias")
    return None


def key_description_refusal(description: str) -> InputRefused | None:
    """Why `description` cannot describe a key."""
    if len(description or "") > KEY_DESCRIPTION_MAX:
        return InputRefused(
            format_lazy(
                _("The description may have at most {max} characters."), max=KEY_DESCRIPTION_MAX
            ),
            field="description",
        )
    return None


def grantee_account_refusal(account_id: str) -> InputRefused | None:
    """Why `account_id` is not the form of a tenant's account ID."""
    if not HEX32_RE.match((account_id or "").strip().lower()):
        return InputRefused(
            _(
                "Enter the tenant's account ID: 32 hexadecimal characters, as shown on the "
                "recipient's My Credentials page."
            ),
            field="grantee_account_id",
        )
    return None


def _lock_key(project: Project, key: Key) -> Key:
    locked = Key.objects.for_project(project).select_for_update().filter(pk=key.pk).first()
    if locked is None:
        raise InputRefused(_("The key does not exist; it may have been deleted."))
    return locked


@audited(
    service="KMS",
    operation="createKey",
    resource_type="key",
    resource=lambda kw: ("", kw.get("alias", "")),
)
def key_create(*, actor: User, project: Project, alias: str, description: str = "") -> Key:
    """Create a custom key; its alias is unique in the project."""
    ensure_can_change(actor)
    if refusal := key_alias_refusal(alias) or key_description_refusal(description):
        raise refusal
    # Locking the project serializes key creation in it, so the alias check holds at commit.
    Project.objects.select_for_update().get(pk=project.pk)
    if Key.objects.for_project(project).filter(alias=alias).exists():
        raise InputRefused(
            format_lazy(_("A key with the alias {alias} already exists."), alias=alias),
            field="alias",
        )
    key = Key.objects.create(project=project, alias=alias, description=description)
    note(
        resource_id=key.key_id,
        resource_name=key.alias,
    )
    return key


def key_grant_refusal(key: Key) -> InputRefused | None:
    """Why `key` cannot be granted to another tenant now."""
    if key.is_default:
        return InputRefused(_("A default key cannot be granted to another tenant."))
    if key.state == Key.State.PENDING_DELETION:
        return InputRefused(
            format_lazy(
                _("{alias} is scheduled for deletion: cancel the deletion first."), alias=key.alias
            )
        )
    return None


def _grantee(project: Project, key: Key, account_id: str) -> Tenant:
    """The other tenant `account_id` names, not yet granted `key` (its grant row locked)."""
    grantee = Tenant.objects.filter(account_id=account_id).first()
    if grantee is None:
        raise InputRefused(
            format_lazy(
                _(
                    "No account with the ID {account} exists. Ask the recipient for the Account "
                    "ID on their My Credentials page."
                ),
                account=account_id,
            ),
            field="grantee_account_id",
        )
    if grantee.pk == project.tenant_id:
        raise InputRefused(
            _("This is your own account: a key needs no grant for its own account."),
            field="grantee_account_id",
        )
    if KeyGrant.objects.select_for_update().filter(key=key, grantee=grantee).exists():
        raise InputRefused(
            format_lazy(
                _(
                    "The account {account} already has a grant on {alias}. Revoke it first "
                    "to grant other operations."
                ),
                account=account_id,
                alias=key.alias,
            ),
            field="grantee_account_id",
        )
    return grantee


@audited(
    service="KMS",
    operation="createGrant",
    resource_type="grant",
    resource=lambda kw: (kw["key"].key_id, kw["key"].alias),
)
def key_grant_create(
    *,
    actor: User,
    project: Project,
    key: Key,
    grantee_account_id: str,
    operations: list[str],
) -> KeyGrant:
    """Grant another tenant (by account ID) operations on a custom key."""
    ensure_can_change(actor)
    key = _lock_key(project, key)
    if refusal := key_grant_refusal(key) or grantee_account_refusal(grantee_account_id):
        raise refusal
    account_id = grantee_account_id.strip().lower()
    grantee = _grantee(project, key, account_id)
    grant = KeyGrant(key=key, grantee=grantee, operations=sorted(set(operations)))
    try:
        grant.full_clean()
    except ValidationError as error:
        problems = [m for field_messages in error.message_dict.values() for m in field_messages]
        raise InputRefused(" ".join(problems), field="operations") from error
    grant.save()
    note(
        resource_id=grant.grant_id,
        resource_name=key.alias,
        detail={
            "key_id": str(key.key_id),
            "grantee_account_id": account_id,
            "operations": grant.operations,
        },
    )
    return grant


@audited(
    service="KMS",
    operation="revokeGrant",
    resource_type="grant",
    resource=lambda kw: (kw["grant"].grant_id, ""),
)
def key_grant_revoke(*, actor: User, project: Project, grant: KeyGrant) -> None:
    """Revoke a grant; encrypted images shared with that tenant become unavailable (D10)."""
    ensure_can_change(actor)
    gone = InputRefused(_("The grant does not exist; it may have been revoked already."))
    found = KeyGrant.objects.filter(pk=grant.pk, key__project=project).values("key").first()
    if found is None:
        raise gone
    # Key before grant, the order the follow-ups lock them in, so the two never deadlock.
    key = Key.objects.select_for_update().get(pk=found["key"])
    locked = (
        KeyGrant.objects.select_for_update(of=("self",))
        .select_related("grantee")
        .filter(pk=grant.pk, key=key)
        .first()
    )
    if locked is None:
        raise gone
    locked.delete()
    note(
        resource_id=locked.grant_id,
        resource_name=key.alias,
        detail={"key_id": str(key.key_id), "grantee_account_id": locked.grantee.account_id},
    )


# (from state, to state) → the KMS operation; cancelling a deletion leaves the key disabled.
KEY_TRANSITIONS = {
    (Key.State.ENABLED, Key.State.DISABLED): "disableKey",
    (Key.State.DISABLED, Key.State.ENABLED): "enableKey",
    (Key.State.ENABLED, Key.State.PENDING_DELETION): "scheduleKeyDeletion",
    (Key.State.DISABLED, Key.State.PENDING_DELETION): "scheduleKeyDeletion",
    (Key.State.PENDING_DELETION, Key.State.DISABLED): "cancelKeyDeletion",
}


KEY_STATE_OPERATIONS = {
    Key.State.DISABLED: "disableKey",
    Key.State.ENABLED: "enableKey",
    Key.State.PENDING_DELETION: "scheduleKeyDeletion",
}


def _key_state_operation(kw: dict[str, Any]) -> str:
    key, state = kw["key"], kw.get("state")
    return KEY_TRANSITIONS.get((key.state, state)) or KEY_STATE_OPERATIONS.get(state, "updateKey")


@audited(
    service="KMS",
    operation=_key_state_operation,
    resource_type="key",
    resource=lambda kw: (kw["key"].key_id, kw["key"].alias),
)
def key_set_state(*, actor: User, project: Project, key: Key, state: str) -> Key:
    """Disable, enable, schedule the deletion of a custom key, or cancel it (→ disabled)."""
    ensure_can_change(actor)
    key = _lock_key(project, key)
    if key.is_default:
        raise InputRefused(_("A default key cannot be disabled or deleted."))
    operation = KEY_TRANSITIONS.get((key.state, state))
    if operation is None:
        if state == key.state:
            raise InputRefused(
                format_lazy(
                    _("{alias} is already {state}."),
                    alias=key.alias,
                    state=key.get_state_display().lower(),
                )
            )
        if key.state == Key.State.PENDING_DELETION:
            raise InputRefused(
                format_lazy(
                    _("{alias} is scheduled for deletion: cancel the deletion first."),
                    alias=key.alias,
                )
            )
        raise InputRefused(
            format_lazy(
                _("{alias} cannot change to the state {state}."), alias=key.alias, state=state
            )
        )
    key.state = state
    key.save(update_fields=["state"])
    note(
        operation=operation,
        resource_id=key.key_id,
        resource_name=key.alias,
    )
    return key
