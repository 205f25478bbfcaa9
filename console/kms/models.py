"""Key Management Service stand-in: keys and their grants to other tenants."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from console.models import Project, Tenant


class KeyQuerySet(models.QuerySet):
    """KMS key lookups."""

    def for_project(self, project: Project) -> KeyQuerySet:
        """Keys of one project."""
        return self.filter(project=project)

    def custom(self) -> KeyQuerySet:
        """Customer-managed keys (the default key cannot be granted)."""
        return self.filter(is_default=False)


class Key(models.Model):
    """A KMS key: each project has a default key and may create custom keys."""

    class State(models.TextChoices):
        ENABLED = "enabled", _("Enabled")
        DISABLED = "disabled", _("Disabled")
        PENDING_DELETION = "pending_deletion", _("Pending deletion")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="keys")
    key_id = models.UUIDField("key ID", default=uuid.uuid4, unique=True, editable=False)
    alias = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True)
    is_default = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ENABLED)
    created = models.DateTimeField(auto_now_add=True)

    objects = KeyQuerySet.as_manager()

    class Meta:
        ordering = ["alias"]
        constraints = [
            models.UniqueConstraint(fields=["project", "alias"], name="key_alias_unique"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_default=True), name="one_default_key"
            ),
        ]

    def __str__(self) -> str:
        return self.alias

    @property
    def usable(self) -> bool:
        """Whether data encrypted with the key can be decrypted now."""
        return self.state == self.State.ENABLED


class KeyGrant(models.Model):
    """A KMS grant letting another tenant use a custom key."""

    class Operation(models.TextChoices):
        DECRYPT_DATAKEY = "decrypt-datakey", _("Decrypt Data Key")
        DESCRIBE_KEY = "describe-key", _("Describe Key")
        CREATE_DATAKEY = "create-datakey", _("Create Data Key")
        ENCRYPT_DATAKEY = "encrypt-datakey", _("Encrypt Data Key")

    REQUIRED_FOR_SHARING = frozenset({Operation.DECRYPT_DATAKEY, Operation.DESCRIBE_KEY})

    key = models.ForeignKey(Key, on_delete=models.CASCADE, related_name="grants")
    grant_id = models.UUIDField("grant ID", default=uuid.uuid4, unique=True, editable=False)
    grantee = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="key_grants")
    operations = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["key", "grantee"], name="one_grant_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.grantee}"

    @classmethod
    def operations_problem(cls, operations: set[str]) -> str | None:
        """Why a grant of `operations` would not let the grantee use a shared encrypted image."""
        if missing := cls.REQUIRED_FOR_SHARING - set(operations):
            labels = _(" and ").join(str(cls.Operation(op).label) for op in sorted(missing))
            return _("%(operations)s must be granted.") % {"operations": labels}
        return None

    def clean(self) -> None:
        """A grant must allow what a shared encrypted image needs, and only known operations."""
        operations = set(self.operations or [])
        if unknown := operations - set(self.Operation.values):
            raise ValidationError(
                {
                    "operations": _("Unknown operations: %(operations)s.")
                    % {"operations": ", ".join(sorted(unknown))}
                }
            )
        if problem := self.operations_problem(operations):
            raise ValidationError({"operations": problem})
        if self.key_id and self.key.is_default:
            raise ValidationError({"key": _("A default key cannot be granted to another tenant.")})
