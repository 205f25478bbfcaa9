"""API credentials: Keystone-style tokens and AK/SK access keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from console.models import Project


class ApiToken(models.Model):
    """A token issued by POST /auth/tokens; only its SHA-256 digest is stored."""

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_tokens")
    audit_id = models.CharField(max_length=32)
    issued = models.DateTimeField()
    expires = models.DateTimeField(db_index=True)
    revoked = models.BooleanField(default=False)
    # The user's password fingerprint when the token was issued (Django's session auth hash,
    # an HMAC of the password hash): setting a password by any path ends the tokens issued
    # before, as it ends the user's other sessions.
    password_fingerprint = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        ordering = ["-issued"]

    def __str__(self) -> str:
        return f"token of {self.user} for {self.project}"


class AccessKey(models.Model):
    """A permanent access key (AK/SK) of a user; the secret is stored encrypted."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Enabled")
        INACTIVE = "inactive", _("Disabled")

    MAX_PER_USER = 2

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_keys"
    )
    access_key = models.CharField("access key ID", max_length=20, unique=True)
    secret_encrypted = models.TextField()
    description = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(access_key__regex=r"^[A-Z0-9]{20}$"), name="access_key_format"
            ),
        ]

    def __str__(self) -> str:
        return self.access_key

    @property
    def active(self) -> bool:
        """Whether requests signed with the key are accepted."""
        return self.status == self.Status.ACTIVE


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _revoke_tokens_of_deactivated_user(sender, instance, **kwargs) -> None:
    """Keystone revokes a disabled user's tokens: reactivating the user brings none back.

    Every save of an inactive user (Django admin, a script) revokes, so no path that
    deactivates through the model can forget it.
    """
    if not instance.is_active:
        ApiToken.objects.filter(user=instance, revoked=False).update(revoked=True)
