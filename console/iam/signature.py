"""SDK-HMAC-SHA256: the signature of AK/SK-signed requests (the Huawei Cloud SDKs' default)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

ALGORITHM = "SDK-HMAC-SHA256"
AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([^,\s]+), Signature=([0-9a-f]{64})$"
)
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """(access key, signed header names, signature) of an Authorization header, or None."""
    match = AUTH_RE.match(value or "")
    if not match:
        return None
    ak, signed, signature = match.groups()
    return ak, signed.split(";"), signature


def sdk_date(value: str) -> datetime | None:
    """The X-Sdk-Date header as a UTC datetime, or None if malformed."""
    try:
        return datetime.strptime(value or "", DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def string_to_sign(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes,
) -> str:
    """The string the client signed; `path` is percent-decoded, `query` raw as received."""
    cpath = "/".join(quote(segment, safe="~") for segment in path.split("/"))
    if not cpath.endswith("/"):
        cpath += "/"
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    cquery = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in pairs)
    cheaders = "".join(f"{n}:{(headers.get(n) or '').strip()}\n" for n in signed_headers)
    canonical = "\n".join(
        [
            method,
            cpath,
            cquery,
            cheaders,
            ";".join(signed_headers),
            hashlib.sha256(body or b"").hexdigest(),
        ]
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{headers.get('X-Sdk-Date', '')}\n{digest}"


def sign(secret: str, text: str) -> str:
    """Hex HMAC-SHA256 of `text` with the secret key."""
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def signature_valid(secret: str, text: str, signature: str) -> bool:
    """Whether `signature` signs `text` with `secret` (constant time)."""
    return hmac.compare_digest(sign(secret, text), signature)
