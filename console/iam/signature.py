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
ACCESS_KEY_RE = re.compile(r"[A-Z0-9]{20}")
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)
# The API gateway's rules: X-Sdk-Date is always signed (API Request Signing Guide, "Are
# request header parameters required for signing?"), Host is mandatory with AK/SK (common
# request headers); X-Project-Id, which picks the project, whenever the request carries it
# (the signing SDKs add it to the headers they sign). Without them a request seen once could
# be replayed against another host or project within its 15 minutes.
ALWAYS_SIGNED = ("host", "x-sdk-date")
SIGNED_WHEN_SENT = ("x-project-id",)
# What the SDKs sign in place of the body's hash when they do not sign the body.
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_AUTHORIZATION = 4096


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """(access key, signed header names, signature) of an Authorization header, or None."""
    if not value or len(value) > MAX_AUTHORIZATION:
        return None
    match = AUTH_RE.fullmatch(value)
    if not match:
        return None
    ak, signed, signature = match.groups()
    return ak, signed.split(";"), signature


def unsigned_headers(headers: Mapping[str, str], signed_headers: list[str]) -> list[str]:
    """The header names that must be signed and are not, in the order they are named."""
    signed = {name.lower() for name in signed_headers}
    needed = [*ALWAYS_SIGNED, *(n for n in SIGNED_WHEN_SENT if headers.get(n) is not None)]
    return [name for name in needed if name not in signed]


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
    """The string the client signed; `path` is percent-decoded, `query` raw as received.

    The payload hash is always the received body's: a hash the client claims instead
    (X-Sdk-Content-Sha256) is not trusted, so a changed body never matches.
    """
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
    # Header values come from the wire as Latin-1; anything else (a test client's lone
    # surrogate) must make a signature that does not match, not an exception.
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{ALGORITHM}\n{headers.get('X-Sdk-Date') or ''}\n{digest}"


def sign(secret: str, text: str) -> str:
    """Hex HMAC-SHA256 of `text` with the secret key."""
    return hmac.new(
        secret.encode(), text.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()


def signature_valid(secret: str, text: str, signature: str) -> bool:
    """Whether `signature` signs `text` with `secret` (constant time)."""
    return hmac.compare_digest(sign(secret, text), signature)
