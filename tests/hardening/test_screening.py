"""Unusable input is refused before any query: bodies over the limit (413), JSON nested too
deep, NUL bytes and lone surrogates anywhere (400 naming the field), in the APIs and the console.

PostgreSQL refuses NUL in text: run with DATABASE_URL pointing at PostgreSQL to see these
requests answered 400 where they used to fail with a 500.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.iam.services import token_issue
from console.screening import MAX_JSON_DEPTH
from ims.models import Job
from vaults.models import Vault

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(world) -> str:
    return token_issue(user=world.recipient_user, project=world.recipient_de).value


def call(method, url, body=None, *, token="", content_type="application/json", **headers):
    if token:
        headers["X-Auth-Token"] = token
    client = Client(raise_request_exception=False)
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["data"] = body if isinstance(body, (bytes, str)) else json.dumps(body)
        kwargs["content_type"] = content_type
    with CaptureQueriesContext(connection) as queries:
        response = client.generic(method, url, **kwargs)
    return response, len(queries)


def error(response) -> tuple[int, str, str]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def huge() -> str:
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


def auth_body(user="bob", password="secret", domain="Beta Apps"):
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "password": password, "domain": {"name": domain}}
                },
            }
        }
    }


BIG_BODIES = [
    ("POST", "/api/ims/v1/cloudimages/members", lambda: {"images": [huge()], "projects": ["p"]}),
    ("PUT", "/api/ims/v1/cloudimages/members", lambda: {"images": [], "project_id": huge()}),
    ("DELETE", "/api/ims/v1/cloudimages/members", lambda: {"images": [], "extra": huge()}),
    ("POST", "/api/iam/v3/auth/tokens", lambda: auth_body(password=huge())),
    ("POST", "/v2/images", lambda: {"name": "n", "extra": huge()}),
]


@pytest.mark.parametrize(("method", "url", "body"), BIG_BODIES)
def test_a_body_over_the_limit_is_413_in_the_api_format(token, method, url, body):
    response, _queries = call(method, url, body(), token=token)
    assert error(response)[:2] == (413, "APIGW.0201")


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream"])
def test_a_big_body_of_another_type_on_a_json_route_is_413_too(token, content_type):
    response, _queries = call(
        "POST", "/api/iam/v3/auth/tokens", huge(), token=token, content_type=content_type
    )
    assert error(response)[:2] == (413, "APIGW.0201")


def test_a_console_form_over_the_limit_is_a_clear_413_page(world, recipient_client):
    response = recipient_client.post(reverse("vaults:vault_create"), {"name": huge()})
    assert response.status_code == 413
    assert "The request is too large" in response.content.decode()
    assert not Vault.objects.filter(project=world.recipient_de).exists()


def test_the_413_page_speaks_the_language_the_request_asks_for(world):
    response = Client().post(
        reverse("console:login"),
        f"username={huge()}",
        content_type="application/x-www-form-urlencoded",
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 413
    assert "请求过大" in response.content.decode()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500_000])
def test_json_nested_too_deep_is_400(token, depth):
    body = '{"images": ' + "[" * depth + "]" * depth + ', "projects": []}'
    response, queries = call("POST", "/api/ims/v1/cloudimages/members", body, token=token)
    status, code, message = error(response)
    assert (status, code) == (400, "IMG.0001")
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in message
    assert queries == 0


def test_json_as_deep_as_the_limit_is_served(token):
    # Refused by the route's own rules (images must be IDs), not by the screening.
    inner = "[" * (MAX_JSON_DEPTH - 2) + "]" * (MAX_JSON_DEPTH - 2)
    body = '{"images": [' + inner + '], "projects": ["p"]}'
    response, _queries = call("POST", "/api/ims/v1/cloudimages/members", body, token=token)
    assert "nested" not in error(response)[2]


NUL, SURROGATE = "a\x00b", "a\ud800b"


def api_cases(project_id: str):
    return [
        # (method, url, body, headers, the field the refusal names)
        ("POST", "/api/ims/v1/cloudimages/members", {"images": [NUL], "projects": []}, {},
         "images[0]"),
        ("POST", "/api/ims/v1/cloudimages/members", {"images": [], "projects": ["p", SURROGATE]},
         {}, "projects[1]"),
        ("PUT", "/api/ims/v1/cloudimages/members",
         {"images": [], "project_id": project_id, "status": "accepted", "vault_id": NUL}, {},
         "vault_id"),
        ("POST", "/api/ims/v2/images/x/members", {"member": NUL}, {}, "member"),
        ("GET", "/api/ims/v2/images?name=a%00b", None, {}, "name"),
        ("GET", "/api/ims/v2/images?owner=%00", None, {}, "owner"),
        ("GET", "/api/ims/v2/cloudimages?status=x%00", None, {}, "status"),
        ("GET", "/api/ims/v1/cloudimages/job/a%00b", None, {}, "job_id"),
        ("GET", f"/v1/{project_id}/jobs/a%00b", None, {}, "job_id"),
        ("GET", "/api/iam/v3/projects/a%00b", None, {}, "project_id"),
        ("GET", "/v3/projects?name=%00", None, {}, "name"),
        ("GET", "/api/ims/v2/images", None, {"X-Project-Id": NUL}, "X-Project-Id"),
        ("GET", "/api/iam/v3/auth/tokens", None, {"X-Subject-Token": SURROGATE},
         "X-Subject-Token"),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(len(api_cases(""))))
def test_nul_and_surrogates_are_400_naming_the_field_before_any_query(world, token, case):
    method, url, body, headers, field = api_cases(world.recipient_de.project_id)[case]
    jobs = Job.objects.count()
    response, queries = call(method, url, body, token=token, **headers)
    status, code, message = error(response)
    assert status == 400
    assert code in ("IMG.0001", "IAM.0001")
    assert field in message
    assert "NUL" in message or "surrogate" in message
    assert queries == 0
    assert Job.objects.count() == jobs


@pytest.mark.parametrize("where", ["user", "domain"])
def test_a_token_request_with_nul_in_a_name_is_400(world, where):
    body = auth_body(**{where: "Beta\x00Apps"})
    response, queries = call("POST", "/v3/auth/tokens", body)
    status, _code, message = error(response)
    assert status == 400
    field = "user.name" if where == "user" else "user.domain.name"
    assert f"auth.identity.password.{field}" in message
    assert queries == 0


def test_a_key_with_a_nul_is_refused_too(token):
    body = {"images": [], "projects": [], "a\x00": 1}
    response, _queries = call("POST", "/api/ims/v1/cloudimages/members", body, token=token)
    assert error(response)[0] == 400


def test_a_surrogate_in_a_raw_utf8_body_is_400(token):
    body = b'{"images": ["\xed\xa0\x80"], "projects": []}'
    response, _queries = call("POST", "/api/ims/v1/cloudimages/members", body, token=token)
    assert error(response)[0] == 400


def test_a_console_form_field_with_nul_is_a_400_page_naming_it(world, recipient_client):
    # As htmx sends a form: URL-encoded.
    response = recipient_client.post(
        reverse("vaults:vault_create"),
        "name=vault%00&capacity_gb=10",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "The form field name contains a NUL character." in response.content.decode()
    assert not Vault.objects.filter(project=world.recipient_de).exists()


def test_a_console_query_with_nul_is_a_400_page(world, recipient_client):
    response = recipient_client.get(reverse("ims:shared_images"), {"q": "a\x00"})
    assert response.status_code == 400
    assert "The query parameter q contains a NUL character." in response.content.decode()


def test_a_session_cookie_with_nul_is_400_not_a_failed_session_lookup(world):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ims:shared_images"))
    assert response.status_code == 400
    assert "The cookie sessionid contains a NUL character." in response.content.decode()
    assert len(queries) == 0


def test_the_refusal_speaks_the_language_the_request_asks_for(token):
    response, _queries = call(
        "GET", "/api/ims/v2/images?name=%00", token=token, **{"Accept-Language": "zh-hans"}
    )
    assert "NUL" in error(response)[2]
    assert "查询参数" in error(response)[2]


def test_ordinary_requests_pass(world, token, recipient_client):
    response, _queries = call("GET", "/api/ims/v2/images?name=web", token=token)
    assert response.status_code == 200
    assert recipient_client.get(reverse("ims:shared_images"), {"q": "web"}).status_code == 200
