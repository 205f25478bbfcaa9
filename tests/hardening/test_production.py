"""Production settings from the environment, and a Content Security Policy on every page."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import (
    AccessKeyFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    ServerFactory,
    TenantFactory,
    TraceFactory,
    UserFactory,
    VaultFactory,
)
from tests.hardening.sweeps import console_routes

ROOT = Path(__file__).resolve().parents[2]

# The variables README "Deploying" documents, with example values.
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "4y3Vq9S0o-example-production-key-zP7wKf2LmN8rT5xB1cD6gH0jQ",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "console.example.com",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://console.example.com",
    "DJANGO_PROXY_COUNT": "1",
    "DJANGO_DEMO": "false",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Start from a clean slate: no DJANGO_* of the caller's shell, no .env overrides.
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base["DJANGO_SETTINGS_MODULE"] = "console.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_names_what_is_missing_without_them():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={})
    assert result.returncode != 0
    for code in ("W004", "W008", "W012", "W016"):
        assert f"security.{code}" in result.stdout + result.stderr


def test_the_variables_reach_the_settings():
    script = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS,"
        " s.PROXY_COUNT, s.DEMO)"
    )
    result = manage("shell", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "31536000 True True True ('HTTP_X_FORWARDED_PROTO', 'https') "
        "['https://console.example.com'] 1 False"
    )


def test_every_variable_is_documented():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for name in PRODUCTION_ENV:
        assert f"`{name}`" in readme, name
        assert name in example, name


# --- Content Security Policy ------------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._script_without_src = True
        for name, _ in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name.startswith("hx-on"):
                self.problems.append(f"{name} on <{tag}> (needs eval)")
        for name in ("href", "action", "formaction", "src"):
            if (names.get(name) or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in <{tag} {name}>")

    def handle_data(self, data):
        if self._script_without_src and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_without_src = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def test_the_checker_finds_inline_code():
    assert inline_code('<p style="x">') and inline_code("<script>x()</script>")
    assert inline_code('<a onclick="x()">') and inline_code("<style>p{}</style>")
    assert inline_code('<a href="javascript:x()">')
    assert not inline_code('<script src="/s.js"></script><p class="x">')


def test_the_policy_is_strict():
    policy = settings.SECURE_CSP
    for directive in ("default-src", "script-src", "style-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE


@pytest.fixture
def own_objects(world):
    project = world.recipient_de
    key = KeyFactory(project=project)
    image = ImageFactory(owner=project, full_ecs=True, full_ecs_source="cbr")
    ImageMemberFactory(image=image, project=world.sharer_de)
    ImageMemberFactory(image=ImageFactory(owner=world.sharer_de), project=project)
    return {
        "image_id": image.pk,
        "vault_id": VaultFactory(project=project).vault_id,
        "server_id": ServerFactory(project=project, status="stopped").server_id,
        "key_id": key.key_id,
        "grant_id": KeyGrantFactory(key=key, grantee=TenantFactory()).grant_id,
        "access_key": AccessKeyFactory(user=world.recipient_user).access_key,
        "trace_id": TraceFactory(project=project).pk,
    }


def assert_strict_page(response, where):
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    if response.get("Content-Type", "").startswith("text/html"):
        assert inline_code(response.content.decode()) == [], where


@pytest.mark.django_db
def test_every_console_page_and_partial_has_the_csp_and_no_inline_code(
    world, recipient_client, own_objects
):
    checked = 0
    for name, args in console_routes():
        url = reverse(name, kwargs={arg: own_objects[arg] for arg in args})
        for headers in ({}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Target": "dialogs"}):
            response = recipient_client.get(url, headers=headers)
            assert response.status_code < 500, url
            assert_strict_page(response, f"{url} {headers}")
            checked += 1
    for url in ("/no-such-page/", reverse("ims:image_detail", args=[ImageFactory().pk])):
        assert_strict_page(recipient_client.get(url), url)
    bad = recipient_client.get(
        reverse("ims:shared_images"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://[::1"},
    )
    assert bad.status_code == 400
    assert_strict_page(bad, "400 page")
    assert checked > 60


@pytest.mark.django_db
def test_login_lockout_and_error_pages_have_the_csp_and_no_inline_code(world):
    client = Client()
    assert_strict_page(client.get(reverse("console:login")), "login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("console:login"), {"account": "a", "username": "x", "password": "y"}
        )
    assert response.status_code == 429
    assert_strict_page(response, "lockout")
    readonly = Client()
    readonly.force_login(world.readonly_user)
    refused = readonly.post(reverse("vaults:vault_create"), {"name": "v"})
    assert refused.status_code == 403
    assert_strict_page(refused, "403 page")


def test_the_500_page_has_no_inline_code():
    from django.test import RequestFactory
    from django.views import defaults

    response = defaults.server_error(RequestFactory().get("/"))
    assert inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_every_admin_page_has_the_csp_and_no_inline_code(world):
    operator = UserFactory(username="operator", tenant=None, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    urls.append(reverse("admin:console_user_change", args=[operator.pk]))
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert_strict_page(response, url)
    assert_strict_page(Client().get(reverse("admin:login")), "admin login")
    assert apps.is_installed("axes")
