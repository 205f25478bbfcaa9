"""Console core services: what every service checks before it changes anything."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.conf import settings
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.errors import InputRefused, RoleRefused
from console.models import User

# The one plain sentence a read-only user's refusal may add after IMG.0026's documented text.
READ_ONLY_SENTENCE = _("Your user has a read-only role.")


def ensure_can_change(actor: User) -> None:
    """Refuse changes by a read-only user (IMG.0026, with its documented text)."""
    if not actor.can_change:
        # Lazy, so that the refusal answers in the language of whoever reads it.
        raise RoleRefused(format_lazy("{} {}", RoleRefused.default_message, READ_ONLY_SENTENCE))


def preferences_set(
    *, user: User, language: str | None = None, time_zone: str | None = None
) -> User:
    """Keep the user's console language and time zone (a read-only user may choose them too)."""
    if language is not None and language not in dict(settings.LANGUAGES):
        raise InputRefused(_("Unknown language."), field="language")
    if time_zone is not None and time_zone not in available_timezones():
        raise InputRefused(_("Unknown time zone."), field="time_zone")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if language is not None:
            locked.language = language
        if time_zone is not None:
            locked.time_zone = time_zone
        locked.save(update_fields=["language", "time_zone"])
    user.language, user.time_zone = locked.language, locked.time_zone
    return user
