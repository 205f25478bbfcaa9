"""Identifiers in the cloud's formats: 32 lowercase hex characters for accounts and projects."""

import hashlib
import re
import secrets

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
hex32_validator = RegexValidator(HEX32_RE, _("Enter 32 lowercase hexadecimal characters."))


def new_hex32() -> str:
    """Return a random 32-character lowercase hex identifier."""
    return secrets.token_hex(16)


def stable_hex32(*parts: str) -> str:
    """Return a 32-character hex identifier derived from names, stable across installs."""
    return hashlib.md5(":".join(parts).encode(), usedforsecurity=False).hexdigest()
