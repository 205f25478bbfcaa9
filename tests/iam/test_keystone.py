"""Keystone v3 subset: version, password tokens, validation, revocation, projects, users."""

from __future__ import annotations

import hashlib

import pytest

from console.iam.api import user_id
from console.iam.models import ApiToken
from tests.api.conftest import error_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKENS = "/api/iam/v3/auth/tokens"


def password_auth(user=None, domain=None, project=None, password="console-demo", **kw):
    ident = {"methods": ["password"], "password": {"user": {**(user or {}), "password": password}}}
    if domain:
        ident["password"]["user"]["domain"] = domain
    body = {"auth": {"identity": ident}}
    if project is not None:
        body["auth"]["scope"] = {"project": project}
    return body


def issue(client, body):
    return client.post(TOKENS, body, content_type="application/json")


def test_version_document_is_what_keystoneauth_discovers(client):
    body = client.get("/api/iam/v3").json()["version"]
    assert body["id"].startswith("v3") and body["links"][0]["href"].endswith("/api/iam/v3/")


@pytest.mark.parametrize(
    "how",
    ["names", "domain_ids", "user_id_project_id", "unscoped"],
)
def test_password_token_scoped_to_a_project(client, world, how):
    user, tenant, project = world.recipient_user, world.recipient, world.recipient_de
    bodies = {
        "names": password_auth(
            {"name": user.username},
            {"name": tenant.name},
            {"name": "eu-de", "domain": {"name": tenant.name}},
        ),
        "domain_ids": password_auth(
            {"name": user.username},
            {"id": tenant.account_id},
            {"name": "eu-de", "domain": {"id": tenant.account_id}},
        ),
        "user_id_project_id": password_auth(
            {"id": user_id(user)}, None, {"id": project.project_id}
        ),
        "unscoped": password_auth({"name": user.username}, {"name": tenant.name}),
    }
    response = issue(client, bodies[how])
    assert response.status_code == 201
    value = response["X-Subject-Token"]
    token = response.json()["token"]
    assert token["project"] == {
        "id": project.project_id,
        "name": "eu-de",
        "domain": {"id": tenant.account_id, "name": tenant.name},
    }
    assert token["user"]["domain"]["name"] == tenant.name and token["methods"] == ["password"]
    assert token["roles"] == [{"id": "te_admin", "name": "te_admin"}]
    catalog = {entry["type"]: entry for entry in token["catalog"]}
    assert catalog["image"]["endpoints"][0]["url"].endswith("/api/ims")
    assert catalog["identity"]["endpoints"][0]["url"].endswith("/api/iam/v3")
    assert {e["region_id"] for e in catalog["image"]["endpoints"]} == {"eu-de", "eu-nl"}
    assert {e["interface"] for e in catalog["image"]["endpoints"]} == {"public"}
    # Stored hashed, bound to user and project, for 24 hours.
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha256(value.encode()).hexdigest() and value not in row.digest
    assert (row.user, row.project) == (user, project)
    assert round((row.expires - row.issued).total_seconds()) == 24 * 3600


def test_read_only_role_is_a_keystone_role(client, world):
    body = password_auth({"name": "viewer"}, {"name": world.recipient.name}, None)
    assert issue(client, body).json()["token"]["roles"][0]["name"] == "readonly"


@pytest.mark.parametrize(
    "body",
    [
        password_auth({"name": "recipient"}, {"name": "Recipient Co"}, password="wrong"),
        password_auth({"name": "recipient"}, {"name": "Sharer Co"}),
        password_auth({"name": "nobody"}, {"name": "Recipient Co"}),
        password_auth({"id": "f" * 32}),
        password_auth({"id": "not-hex"}),
    ],
)
def test_bad_credentials_are_401(client, world, body):
    assert error_of(issue(client, body)) == (401, "IAM.0004")
    assert not ApiToken.objects.exists()


def test_scope_to_another_tenants_project_is_401(client, world):
    body = password_auth(
        {"name": "recipient"}, {"name": "Recipient Co"}, {"id": world.sharer_de.project_id}
    )
    assert error_of(issue(client, body)) == (401, "IAM.0005")
    body = password_auth(
        {"name": "recipient"},
        {"name": "Recipient Co"},
        {"name": "eu-de", "domain": {"name": "Sharer Co"}},
    )
    assert error_of(issue(client, body)) == (401, "IAM.0005")


def test_malformed_body_is_400(client, world):
    assert error_of(client.post(TOKENS, {"auth": 1}, content_type="application/json"))[0] == 400


def _token(client, world):
    body = password_auth(
        {"name": "recipient"},
        {"name": "Recipient Co"},
        {"name": "eu-de", "domain": {"name": "Recipient Co"}},
    )
    return issue(client, body)["X-Subject-Token"]


def test_validate_and_revoke(client, world):
    token = _token(client, world)
    headers = {"X-Auth-Token": token, "X-Subject-Token": token}
    assert client.get(TOKENS, headers=headers).json()["token"]["project"]["name"] == "eu-de"
    assert client.head(TOKENS, headers=headers).status_code == 200
    assert client.delete(TOKENS, headers=headers).status_code == 204
    assert error_of(client.get(TOKENS, headers=headers)) == (401, "IAM.0003")
    assert error_of(client.get("/api/ims/v2/images", headers=headers)) == (401, "IAM.0003")


def test_projects_own_are_visible_others_are_403(client, world):
    headers = {"X-Auth-Token": _token(client, world)}
    listed = client.get("/api/iam/v3/projects", headers=headers).json()["projects"]
    assert {p["name"] for p in listed} == {"eu-de", "eu-nl"}
    named = client.get("/api/iam/v3/projects?name=eu-nl", headers=headers).json()["projects"]
    assert [p["id"] for p in named] == [world.recipient_nl.project_id]
    mine = client.get(f"/api/iam/v3/projects/{world.recipient_nl.project_id}", headers=headers)
    assert mine.json()["project"]["domain_id"] == world.recipient.account_id
    for pid in (world.sharer_de.project_id, "f" * 32):
        assert error_of(client.get(f"/api/iam/v3/projects/{pid}", headers=headers))[0] == 403
    assert error_of(client.get(f"/api/iam/v3/projects?name={pid}", headers=headers))[0] == 403
    auth_projects = client.get("/api/iam/v3/auth/projects", headers=headers).json()
    assert len(auth_projects["projects"]) == 2


def test_users_own_only(client, world):
    headers = {"X-Auth-Token": _token(client, world)}
    me = client.get(f"/api/iam/v3/users/{user_id(world.recipient_user)}", headers=headers)
    assert me.json()["user"]["name"] == "recipient"
    other = UserFactory(tenant=world.recipient)
    assert error_of(client.get(f"/api/iam/v3/users/{user_id(other)}", headers=headers))[0] == 403


def test_identity_routes_need_credentials(client, world):
    assert error_of(client.get("/api/iam/v3/projects")) == (401, "IAM.0002")
    assert error_of(client.get("/api/iam/v3/nothing"))[0] == 404
