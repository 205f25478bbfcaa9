"""AK/SK signatures cover what they authorize, and say nothing about which keys exist.

Someone who sees one signed request (a log, a proxy) must not be able to replay it for
another project, another host or another body within its 15 minutes. The gateway's rules:
X-Sdk-Date is always signed (the signing guide), so is Host (mandatory for AK/SK), and
X-Project-Id whenever it is sent (the header that picks the project); the body's hash is
the server's own, never one the client claims.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from urllib.parse import parse_qsl, quote, unquote

import pytest
from requests.structures import CaseInsensitiveDict

from console.errors import MESSAGES
from console.iam import signature
from console.iam.models import AccessKey
from console.iam.services import access_key_create, secret_encrypt
from ims.models import Image
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = "/api/ims/v2/cloudimages"
CREATE = "/api/ims/v2/images"


def authorization(key, secret, method, path, headers, signed, body=b"", query="", payload=None):
    """The Authorization header for the `signed` header names, computed as the Huawei SDK's
    signer does (written out here, independently of the server's code); `payload` replaces
    the body's hash as the SDK's X-Sdk-Content-Sha256 does."""
    headers = CaseInsensitiveDict(headers)
    cpath = "/".join(quote(s, safe="~") for s in unquote(path).split("/"))
    cpath += "" if cpath.endswith("/") else "/"
    cquery = "&".join(
        f"{quote(k, safe='~')}={quote(v, safe='~')}"
        for k, v in sorted(parse_qsl(query, keep_blank_values=True))
    )
    cheaders = "".join(f"{n}:{headers.get(n, '').strip()}\n" for n in signed)
    canonical = "\n".join(
        [method, cpath, cquery, cheaders, ";".join(signed), payload or sha256(body).hexdigest()]
    )
    text = "\n".join(
        ["SDK-HMAC-SHA256", headers["X-Sdk-Date"], sha256(canonical.encode()).hexdigest()]
    )
    mac = hmac.new(secret.encode(), text.encode(), "sha256").hexdigest()
    return f"SDK-HMAC-SHA256 Access={key}, SignedHeaders={';'.join(signed)}, Signature={mac}"


def now():
    return datetime.now(UTC).strftime(signature.DATE_FORMAT)


@pytest.fixture
def key(world):
    return access_key_create(
        actor=world.recipient_user, project=world.recipient_de, password="console-demo"
    )


def base_headers(world, **more):
    return {
        "Host": "testserver",
        "X-Project-Id": world.recipient_de.project_id,
        "X-Sdk-Date": now(),
        **more,
    }


def send_get(client, headers, auth, path=LIST, query=""):
    url = f"{path}?{query}" if query else path
    return client.get(url, headers={**headers, "Authorization": auth})


def error(response):
    body = response.json()
    return response.status_code, body["error"]["code"], body["error"]["message"]


ALL = ["host", "x-project-id", "x-sdk-date"]


class TestWhatMustBeSigned:
    def test_the_sdks_signature_is_accepted(self, client, world, key):
        headers = base_headers(world)
        auth = authorization(key.key.access_key, key.secret, "GET", LIST, headers, ALL)
        assert send_get(client, headers, auth).status_code == 200

    @pytest.mark.parametrize(
        "signed",
        [["x-sdk-date"], ["host", "x-sdk-date"], ["x-project-id", "x-sdk-date"], ["host"]],
    )
    def test_a_signature_leaving_out_a_required_header_is_refused(self, client, world, key, signed):
        headers = base_headers(world)
        auth = authorization(key.key.access_key, key.secret, "GET", LIST, headers, signed)
        status, code, message = error(send_get(client, headers, auth))
        assert (status, code) == (401, "IAM.0006")
        missing = sorted(set(ALL) - set(signed))
        assert all(name in message for name in missing), message

    def test_x_project_id_need_not_be_signed_when_not_sent(self, client, world, key):
        headers = {"Host": "testserver", "X-Sdk-Date": now()}
        path = "/api/iam/v3/projects"
        auth = authorization(
            key.key.access_key, key.secret, "GET", path, headers, ["host", "x-sdk-date"]
        )
        response = client.get(path, headers={**headers, "Authorization": auth})
        assert response.status_code == 200

    def test_a_request_signed_for_one_project_cannot_be_sent_to_another(self, client, world, key):
        # Signed with only X-Sdk-Date (as a hand-written client might), then replayed with
        # another of the tenant's projects.
        headers = base_headers(world)
        auth = authorization(key.key.access_key, key.secret, "GET", LIST, headers, ["x-sdk-date"])
        swapped = {**headers, "X-Project-Id": world.recipient_nl.project_id}
        assert send_get(client, swapped, auth).status_code == 401

    def test_a_signed_project_cannot_be_swapped(self, client, world, key):
        headers = base_headers(world)
        auth = authorization(key.key.access_key, key.secret, "GET", LIST, headers, ALL)
        swapped = {**headers, "X-Project-Id": world.recipient_nl.project_id}
        assert error(send_get(client, swapped, auth))[:2] == (401, "IAM.0006")

    def test_a_changed_query_is_refused(self, client, world, key):
        headers = base_headers(world)
        auth = authorization(
            key.key.access_key, key.secret, "GET", LIST, headers, ALL, query="limit=1"
        )
        assert send_get(client, headers, auth, query="limit=1").status_code == 200
        assert send_get(client, headers, auth, query="limit=2").status_code == 401


class TestBody:
    def post(self, client, world, key, signed_body, sent_body, payload=None, **extra):
        headers = base_headers(world, **extra)
        names = sorted([*ALL, "content-type", *(n.lower() for n in extra)])
        auth = authorization(
            key.key.access_key,
            key.secret,
            "POST",
            CREATE,
            {**headers, "Content-Type": "application/json"},
            names,
            body=signed_body,
            payload=payload,
        )
        return client.post(
            CREATE,
            sent_body,
            content_type="application/json",
            headers={**headers, "Authorization": auth},
        )

    def test_the_signed_body_is_accepted(self, client, world, key):
        body = json.dumps({"name": "signed-body", "container_format": "bare"}).encode()
        assert self.post(client, world, key, body, body).status_code == 201

    def test_another_body_is_refused(self, client, world, key):
        body = json.dumps({"name": "signed-body"}).encode()
        forged = json.dumps({"name": "forged-body"}).encode()
        assert error(self.post(client, world, key, body, forged))[:2] == (401, "IAM.0006")
        assert not Image.objects.exists()

    def test_an_unsigned_payload_is_refused(self, client, world, key):
        body = json.dumps({"name": "unsigned-body"}).encode()
        extra = {"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}
        response = self.post(client, world, key, body, body, payload="UNSIGNED-PAYLOAD", **extra)
        status, code, message = error(response)
        assert (status, code) == (401, "IAM.0006") and "UNSIGNED-PAYLOAD" in message
        assert not Image.objects.exists()


class TestOneErrorForEveryKeyRefusal:
    """Unknown key, disabled key, inactive user, wrong secret: the same answer."""

    def answers(self, client, world, key):
        headers = base_headers(world)

        def with_key(ak, secret):
            auth = authorization(ak, secret, "GET", LIST, headers, ALL)
            return error(send_get(client, headers, auth))

        found = {
            "unknown key": with_key("A" * 20, key.secret),
            "malformed key": with_key("not-a-key\x7f", key.secret),
            "wrong secret": with_key(key.key.access_key, "x" * 40),
        }
        AccessKey.objects.filter(pk=key.key.pk).update(status="inactive")
        found["disabled key"] = with_key(key.key.access_key, key.secret)
        AccessKey.objects.filter(pk=key.key.pk).update(status="active")
        type(world.recipient_user).objects.filter(pk=world.recipient_user.pk).update(
            is_active=False
        )
        found["inactive user"] = with_key(key.key.access_key, key.secret)
        return found

    def test_all_the_same(self, client, world, key):
        found = self.answers(client, world, key)
        assert set(found.values()) == {(401, "IAM.0006", str(MESSAGES["IAM.0006"]))}, found

    def test_a_stale_date_is_refused_before_the_key_is_looked_up(self, client, world, key):
        headers = base_headers(
            world,
            **{"X-Sdk-Date": (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")},
        )
        known = authorization(key.key.access_key, key.secret, "GET", LIST, headers, ALL)
        unknown = authorization("B" * 20, key.secret, "GET", LIST, headers, ALL)
        assert error(send_get(client, headers, known)) == error(send_get(client, headers, unknown))


def test_a_user_without_a_tenant_cannot_sign(client, world):
    operator = UserFactory(username="op", tenant=None)
    key = AccessKey.objects.create(
        user=operator,
        access_key="C" * 20,
        secret_encrypted=secret_encrypt("s" * 40),
    )
    headers = {"Host": "testserver", "X-Sdk-Date": now()}
    auth = authorization(
        key.access_key, "s" * 40, "GET", "/api/iam/v3/projects", headers, ["host", "x-sdk-date"]
    )
    response = client.get("/api/iam/v3/projects", headers={**headers, "Authorization": auth})
    assert error(response) == (401, "IAM.0006", str(MESSAGES["IAM.0006"]))
