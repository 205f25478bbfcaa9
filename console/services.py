"""Console core services: what every service checks before it changes anything."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from console.errors import RoleRefused
from console.models import User

# The one plain sentence a read-only user's refusal may add after IMG.0026's documented text.
READ_ONLY_SENTENCE = _("Your user has a read-only role.")


def ensure_can_change(actor: User) -> None:
    """Refuse changes by a read-only user (IMG.0026, with its documented text)."""
    if not actor.can_change:
        raise RoleRefused(f"{RoleRefused.default_message} {READ_ONLY_SENTENCE}")
