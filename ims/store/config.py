"""The image store's `STORAGES` entry, from one URL (`IMAGE_STORE_URL`).

- empty: a folder under `var/` (the default);
- `file:///srv/images`: another folder;
- `s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix][?region=eu-de]`: a bucket of any
  S3-compatible object store at `https://host:port` (`s3+http://` for a plain-HTTP endpoint).
  Without credentials in the URL, boto3's usual sources apply (`AWS_ACCESS_KEY_ID`, ...).
  Query parameters: `region`, `addressing_style` (`path` or `virtual`).

Read by the settings, so nothing here may import Django models.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_S3_SCHEMES = {"s3": "https", "s3+https": "https", "s3+http": "http"}
_S3_OPTIONS = {"region": "region_name", "addressing_style": "addressing_style"}


def image_storage(url: str, *, folder: Path) -> dict:
    """The `STORAGES["images"]` entry that `url` describes."""
    url = (url or "").strip()
    if not url:
        return _folder(folder)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path or parts.netloc not in ("", "localhost"):
            raise ImproperlyConfigured(
                f"IMAGE_STORE_URL {url!r}: give an absolute folder, e.g. file:///srv/images."
            )
        return _folder(Path(unquote(parts.path)))
    if parts.scheme in _S3_SCHEMES:
        return _s3(url, parts)
    raise ImproperlyConfigured(
        f"IMAGE_STORE_URL {url!r}: use file:///folder, s3://… or s3+http://… (see README)."
    )


def _folder(path: Path) -> dict:
    return {
        "BACKEND": "ims.store.backends.FileImageStorage",
        "OPTIONS": {"location": str(path), "base_url": None},
    }


def _s3(url: str, parts) -> dict:
    bucket, _, prefix = parts.path.lstrip("/").partition("/")
    if not parts.hostname or not bucket:
        raise ImproperlyConfigured(
            f"IMAGE_STORE_URL {url!r}: name the endpoint and the bucket, "
            "e.g. s3://KEY:SECRET@objects.example.com/images."
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    endpoint = f"{_S3_SCHEMES[parts.scheme]}://{host}"
    if parts.port:
        endpoint += f":{parts.port}"
    options: dict[str, object] = {
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "endpoint_url": endpoint,
        # The names are new every time: no existence check before a write.
        "file_overwrite": True,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    for key, values in parse_qs(parts.query).items():
        if key not in _S3_OPTIONS:
            raise ImproperlyConfigured(
                f"IMAGE_STORE_URL: unknown parameter {key!r} (known: {', '.join(_S3_OPTIONS)})."
            )
        options[_S3_OPTIONS[key]] = values[-1]
    return {"BACKEND": "ims.store.backends.S3ImageStorage", "OPTIONS": options}
