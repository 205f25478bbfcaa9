"""The generated OpenAPI 3.1 documents, and schemathesis fuzzing them: never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance

from console.iam.services import token_issue
from tests.factories import ImageFactory, ImageMemberFactory, VaultFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/ims/openapi.json", "/api/iam/openapi.json"])
def test_documents_are_openapi_3_1(client, path):
    document = client.get(path).json()
    assert document["openapi"].startswith("3.1")
    schemes = document["components"]["securitySchemes"].values()
    assert {(s["type"], s["in"], s["name"]) for s in schemes} == {
        ("apiKey", "header", "X-Auth-Token")
    }
    # Each route under /api/…, and those also served at the host root (/v1, /v2, /v3) twice.
    prefix = path.removesuffix("/openapi.json")
    assert all(p.startswith("/api/") or prefix + p in document["paths"] for p in document["paths"])


@pytest.fixture
def fuzz_world(world):
    """Something to find behind the generated IDs: shares, a vault, a token.

    The WSGI calls run inside the test's transaction, so the connection must survive the
    end of each request (Django's test client keeps it open the same way).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    image = ImageFactory(owner=world.sharer_de)
    ImageMemberFactory(image=image, project=world.recipient_de)
    VaultFactory(project=world.recipient_de)
    yield token_issue(user=world.recipient_user, project=world.recipient_de).value
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def ims_schema(fuzz_world):
    return schemathesis.openapi.from_wsgi("/api/ims/openapi.json", get_wsgi_application())


@pytest.fixture
def iam_schema(fuzz_world):
    return schemathesis.openapi.from_wsgi("/api/iam/openapi.json", get_wsgi_application())


ims = schemathesis.pytest.from_fixture("ims_schema")
iam = schemathesis.pytest.from_fixture("iam_schema")
FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@ims.parametrize()
@FUZZ
def test_ims_api_never_fails_with_a_server_error(case, fuzz_world):
    case.call_and_validate(
        headers={"X-Auth-Token": fuzz_world},
        checks=[not_a_server_error, content_type_conformance],
    )


@iam.parametrize()
@FUZZ
def test_iam_api_never_fails_with_a_server_error(case, fuzz_world):
    case.call_and_validate(
        headers={"X-Auth-Token": fuzz_world},
        checks=[not_a_server_error, content_type_conformance],
    )
