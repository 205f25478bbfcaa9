"""Console core services: what every service checks before it changes anything."""

from __future__ import annotations

from console.errors import RoleRefused
from console.models import User


def ensure_can_change(actor: User) -> None:
    """Refuse changes by a read-only user."""
    if not actor.can_change:
        raise RoleRefused("Your role is read-only: you can view resources but not change them.")
