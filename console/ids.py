"""Identifiers in the cloud's formats: 32 lowercase hex characters for accounts and projects."""

import hashlib
import re
import secrets
import uuid
from typing import Annotated

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from pydantic import Field

HEX32_LENGTH = 32
HEX32_RE = re.compile(rf"^[0-9a-f]{{{HEX32_LENGTH}}}$")
hex32_validator = RegexValidator(HEX32_RE, _("Enter 32 lowercase hexadecimal characters."))

# IDs as the API schemas document them, so that clients and fuzzers send meaningful ones. The
# routes still take any text: an ID of another shape is answered as one that no one has (404).
UuidText = Annotated[str, Field(json_schema_extra={"format": "uuid"})]
Hex32Text = Annotated[str, Field(json_schema_extra={"pattern": HEX32_RE.pattern})]


def new_hex32() -> str:
    """Return a random 32-character lowercase hex identifier."""
    return secrets.token_hex(16)


def stable_hex32(*parts: str) -> str:
    """Return a 32-character hex identifier derived from names, stable across installs."""
    return hashlib.md5(":".join(parts).encode(), usedforsecurity=False).hexdigest()


# Fixed, so that a name gives the same UUID on every install.
STABLE_NAMESPACE = uuid.UUID("4f1f6c1e-9a55-5d0c-8a3e-2b7d63c0e5a1")


def stable_uuid(*parts: str) -> uuid.UUID:
    """Return a UUID derived from names (UUID version 5), stable across installs."""
    return uuid.uuid5(STABLE_NAMESPACE, ":".join(parts))
