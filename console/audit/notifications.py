"""Notifications shown in the reader's language.

A message is stored with the kind of its text and the values that fill it; each service
registers the text of its kinds, which is rendered (and translated) when a user reads it.
The stored title and body are the text in the console's default language, for old messages,
the administration site and a kind no longer registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation

Text = Callable[[dict[str, Any]], tuple[str, str]]

_TEXTS: dict[str, Text] = {}


def notification(kind: str) -> Callable[[Text], Text]:
    """Register the function that gives the (title, body) of a kind of message."""

    def register(text: Text) -> Text:
        _TEXTS[kind] = text
        return text

    return register


def rendered(kind: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """The title and body of a kind in the active language, or None for an unknown kind."""
    text = _TEXTS.get(kind)
    if text is None:
        return None
    try:
        return text(params)
    except (KeyError, TypeError, ValueError):
        return None


def stored_text(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    """The title and body to store with a message: the default language's."""
    with translation.override(settings.LANGUAGE_CODE):
        found = rendered(kind, params)
    if found is None:
        raise LookupError(f"No notification text is registered for {kind!r}.")
    return found
