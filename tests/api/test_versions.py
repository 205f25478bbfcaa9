"""The image endpoint's version documents (glance/api/versions.py), its discovery routes
(glance/api/v2/discovery.py) and the headers every API answer carries."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.conftest import Api, error_of

pytestmark = pytest.mark.django_db

SERVED = ["v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"]


def ids(body):
    return [version["id"] for version in body["versions"]]


class TestVersions:
    @pytest.mark.parametrize(
        ("path", "status"),
        [("/api/ims", 300), ("/api/ims/", 300), ("/api/ims/versions", 200), ("/api/ims/v2", 200)],
    )
    def test_the_documents(self, path, status):
        response = Client().get(path)
        assert response.status_code == status
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert ids(body) == SERVED
        assert [v["status"] for v in body["versions"]] == ["CURRENT"] + ["SUPPORTED"] * 7
        assert {link["href"] for v in body["versions"] for link in v["links"]} == {
            "http://testserver/api/ims/v2/"
        }

    def test_nothing_served_is_advertised(self, sharer_api):
        # 2.8 (stores), 2.12 (usage, tasks), 2.14 (cache) and 2.17 (locations) are absent.
        for path in ("/v2/info/usage", "/v2/cache", "/v2/images/x/locations"):
            assert sharer_api.get(path).status_code == 404
        assert not any(
            re.fullmatch(r"v2\.(8|9|1\d)", v) for v in ids(Client().get("/api/ims").json())
        )


class TestDiscovery:
    def test_import_methods_none(self, sharer_api):
        response = sharer_api.get("/v2/info/import")
        assert response.status_code == 200
        assert response.json() == {
            "import-methods": {
                "description": "Import methods available.",
                "type": "array",
                "value": [],
            }
        }

    def test_one_store_is_no_multi_store(self, sharer_api):
        assert error_of(sharer_api.get("/v2/info/stores"))[0] == 404

    def test_discovery_needs_a_token(self):
        assert error_of(Client().get("/api/ims/v2/info/import"))[0] == 401


class TestHeaders:
    @pytest.mark.parametrize(
        "path",
        ["/api/ims/v2/images", "/api/ims/v2/images/nope", "/api/ims/versions", "/api/iam/v3"],
    )
    def test_every_answer_has_a_request_id(self, sharer_api, path):
        response = sharer_api.client.get(path, headers={"X-Auth-Token": sharer_api.token})
        assert re.fullmatch(r"req-[0-9a-f-]{36}", response["X-Openstack-Request-Id"])
        assert response["X-Request-Id"] == response["X-Openstack-Request-Id"]
        assert "WWW-Authenticate" not in response

    def test_ids_differ_and_the_host_root_has_them_too(self, sharer_api):
        first = sharer_api.get("/v2/images")["X-Openstack-Request-Id"]
        assert sharer_api.get("/v2/images")["X-Openstack-Request-Id"] != first
        root = Api(sharer_api.user, sharer_api.project, prefix="").get("/v2/images")
        assert root.status_code == 200 and root["X-Openstack-Request-Id"].startswith("req-")

    def test_the_console_has_none(self, client):
        assert "X-Openstack-Request-Id" not in client.get("/")

    @pytest.mark.parametrize("path", ["/api/ims/v2/images", "/api/iam/v3/auth/projects"])
    def test_401_says_where_to_authenticate(self, path):
        response = Client().get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Keystone uri="http://testserver/api/iam"'
        assert response["X-Openstack-Request-Id"].startswith("req-")

    def test_a_bad_token_is_401_with_it_too(self):
        response = Client().get("/api/ims/v2/images", headers={"X-Auth-Token": "bogus"})
        assert response.status_code == 401 and "WWW-Authenticate" in response
