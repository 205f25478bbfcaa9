"""My Credentials → Access Keys, and requests signed with them (SDK-HMAC-SHA256)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from django.urls import reverse
from requests.structures import CaseInsensitiveDict

from console.audit.models import Trace
from console.iam import signature
from console.iam.models import AccessKey
from console.iam.services import access_key_create, secret_decrypt
from console.iam.views import CREATED_KEY
from tests.api.conftest import error_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("iam:access_keys")
CREATE = reverse("iam:access_key_create")
CREATED = reverse("iam:access_key_created")


def create(client, password="console-demo"):
    return client.post(CREATE, {"password": password, "description": "ci"})


class TestPage:
    def test_create_shows_the_secret_once_with_credentials_csv(self, world, recipient_client):
        response = create(recipient_client)
        assert response.status_code == 302 and response["Location"] == CREATED
        response = recipient_client.get(CREATED)
        assert "no-store" in response["Cache-Control"]
        body = response.content.decode()
        ak = re.search(r'data-testid="ak">([A-Z0-9]{20})<', body).group(1)
        sk = re.search(r'data-testid="sk">([A-Za-z0-9]{40})<', body).group(1)
        href = re.search(r'href="data:text/csv;charset=utf-8,([^"]+)" download', body).group(1)
        rows = list(csv.reader(io.StringIO(unquote(href))))
        assert rows == [["User Name", "Access Key Id", "Secret Access Key"], ["recipient", ak, sk]]
        key = AccessKey.objects.get()
        assert key.access_key == ak and sk not in key.secret_encrypted
        assert secret_decrypt(key) == sk
        listing = recipient_client.get(LIST).content.decode()
        assert ak in listing and sk not in listing and "Enabled" in listing
        assert Trace.objects.get(operation="createCredential").service == "IAM"

    def test_a_reload_creates_no_second_key_and_shows_the_secret_no_more(
        self, world, recipient_client
    ):
        create(recipient_client)
        first = recipient_client.get(CREATED).content.decode()
        sk = re.search(r'data-testid="sk">([A-Za-z0-9]{40})<', first).group(1)

        reload = recipient_client.get(CREATED, follow=True)

        assert AccessKey.objects.count() == 1
        assert reload.redirect_chain == [(LIST, 302)]
        assert sk not in reload.content.decode()
        assert "shown only once" in reload.content.decode()

    def test_the_create_address_opened_directly_leads_to_the_form(self, world, recipient_client):
        response = recipient_client.get(CREATE)
        assert response.status_code == 302 and response["Location"] == LIST
        assert 'id="access-key-create"' in recipient_client.get(LIST).content.decode()
        assert not AccessKey.objects.exists()

    def test_another_users_new_key_is_not_shown(self, world, recipient_client, sharer_client):
        create(recipient_client)
        session = sharer_client.session
        session[CREATED_KEY] = AccessKey.objects.get().access_key
        session.save()
        assert 'data-testid="sk"' not in sharer_client.get(CREATED, follow=True).content.decode()

    def test_wrong_password_creates_nothing(self, world, recipient_client):
        response = create(recipient_client, password="wrong")
        assert response.status_code == 200 and "The password is incorrect." in response.text
        assert not AccessKey.objects.exists()

    def test_at_most_two_keys(self, world, recipient_client):
        create(recipient_client)
        create(recipient_client)
        third = create(recipient_client)
        assert "at most 2 access keys" in third.text
        assert AccessKey.objects.count() == 2
        assert 'data-testid="key-limit"' in recipient_client.get(LIST).text

    def test_disable_enable_delete(self, world, recipient_client):
        key = access_key_create(
            actor=world.recipient_user, project=world.recipient_de, password="console-demo"
        ).key
        url = reverse("iam:access_key_status", args=[key.access_key])
        recipient_client.post(url, {"status": "inactive"})
        key.refresh_from_db()
        assert key.status == "inactive"
        recipient_client.post(url, {"status": "active"})
        key.refresh_from_db()
        assert key.status == "active"
        recipient_client.post(reverse("iam:access_key_delete", args=[key.access_key]))
        assert not AccessKey.objects.exists()

    def test_another_users_key_is_404(self, world, sharer_client):
        key = access_key_create(
            actor=world.recipient_user, project=world.recipient_de, password="console-demo"
        ).key
        for name in ("iam:access_key_status", "iam:access_key_delete"):
            assert sharer_client.post(reverse(name, args=[key.access_key])).status_code == 404
        assert AccessKey.objects.get().status == "active"

    def test_credentials_page_links_to_access_keys(self, recipient_client):
        assert LIST in recipient_client.get(reverse("console:credentials")).text


def signed_get(client, key, secret, project_id, path="/v2/cloudimages", when=None, **extra):
    """A request signed as the Huawei SDK signs it (verified against it in tests/api)."""
    date = (when or datetime.now(UTC)).strftime(signature.DATE_FORMAT)
    headers = {
        "Host": "testserver",
        "X-Project-Id": project_id,
        "X-Sdk-Date": date,
    }
    names = sorted(n.lower() for n in headers)
    lower = CaseInsensitiveDict(headers)
    text = signature.string_to_sign(
        method="GET", path=path, query="", headers=lower, signed_headers=names, body=b""
    )
    auth = (
        f"SDK-HMAC-SHA256 Access={key}, SignedHeaders={';'.join(names)}, "
        f"Signature={signature.sign(secret, text)}"
    )
    return client.get(path, headers={**headers, "Authorization": auth, **extra})


class TestSignature:
    @pytest.fixture
    def new_key(self, world):
        return access_key_create(
            actor=world.recipient_user, project=world.recipient_de, password="console-demo"
        )

    def test_signed_request_acts_in_the_named_project(self, client, world, new_key):
        response = signed_get(
            client, new_key.key.access_key, new_key.secret, world.recipient_de.project_id
        )
        assert response.status_code == 200 and "images" in response.json()

    def test_wrong_secret_is_401(self, client, world, new_key):
        response = signed_get(
            client, new_key.key.access_key, "x" * 40, world.recipient_de.project_id
        )
        assert error_of(response) == (401, "IAM.0006")

    def test_disabled_key_is_401(self, client, world, new_key):
        AccessKey.objects.update(status="inactive")
        response = signed_get(
            client, new_key.key.access_key, new_key.secret, world.recipient_de.project_id
        )
        assert error_of(response) == (401, "IAM.0006")

    @pytest.mark.parametrize("minutes", [16, -16])
    def test_clock_skew_over_15_minutes_is_401(self, client, world, new_key, minutes):
        when = datetime.now(UTC) + timedelta(minutes=minutes)
        response = signed_get(
            client, new_key.key.access_key, new_key.secret, world.recipient_de.project_id, when=when
        )
        assert error_of(response) == (401, "IAM.0008")

    def test_project_of_another_tenant_is_403(self, client, world, new_key):
        response = signed_get(
            client, new_key.key.access_key, new_key.secret, world.sharer_de.project_id
        )
        assert error_of(response) == (403, "IAM.0009")

    def test_ims_routes_need_a_project(self, client, world, new_key):
        response = signed_get(client, new_key.key.access_key, new_key.secret, "")
        assert error_of(response) == (401, "IAM.0005")

    def test_read_only_user_signs_but_cannot_change(self, client, world):
        viewer = UserFactory(tenant=world.recipient, role="readonly")
        new = access_key_create(actor=viewer, project=world.recipient_de, password="console-demo")
        assert (
            signed_get(
                client, new.key.access_key, new.secret, world.recipient_de.project_id
            ).status_code
            == 200
        )
