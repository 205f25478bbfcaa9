"""Delivery (§10): fingerprinted, compressed static files with a long cache; compressed HTML."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from console.settings import DATABASES, MIDDLEWARE, STORAGES

pytestmark = pytest.mark.django_db

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_settings_fingerprint_and_persist():
    assert STORAGES["staticfiles"]["BACKEND"] == MANIFEST_STORAGE
    assert DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    # Compression wraps everything the views and the other middleware produce.
    assert MIDDLEWARE.index("console.middleware.GZipMiddleware") < MIDDLEWARE.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = settings.STORAGES | {"staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    return tmp_path, manifest


def test_collectstatic_fingerprints_and_compresses(collected):
    root, manifest = collected
    hashed = manifest["css/console.css"]
    assert re.fullmatch(r"css/console\.[0-9a-f]{12}\.css", hashed)
    for suffix in ("", ".gz", ".br"):
        assert (root / f"{hashed}{suffix}").exists()


def test_pages_link_fingerprinted_files_served_compressed_for_a_year(collected, recipient_client):
    _, manifest = collected
    page = recipient_client.get("/credentials/").content.decode()
    css = f"/static/{manifest['css/console.css']}"
    assert f'href="{css}"' in page
    assert f'src="/static/{manifest["js/console.js"]}"' in page
    # A new client loads the middleware again, so WhiteNoise sees the collected files.
    response = Client().get(css, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]


def test_html_is_gzipped_and_the_csrf_token_differs_per_response(recipient_client):
    tokens = []
    for _ in range(2):
        response = recipient_client.get("/ims/", headers={"Accept-Encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        html = gzip.decompress(response.content).decode()
        tokens.append(re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1))
    # BREACH needs a secret repeated across responses; the masked token never repeats.
    assert tokens[0] != tokens[1]


def test_uncompressed_when_the_client_does_not_ask(recipient_client):
    response = recipient_client.get("/ims/")
    assert not response.has_header("Content-Encoding")
    assert b"<html" in response.content
