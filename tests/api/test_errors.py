"""One error family: every refusal is {"error": {"code", "message"}}, its status from one table."""

from __future__ import annotations

import pytest
from django.utils import translation

from console.api import HTTP_STATUS, http_status
from console.errors import MESSAGES, IamError, ImsError, NotFound, RoleRefused
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


def test_every_code_of_the_status_table_has_a_message():
    codes = {key for key in HTTP_STATUS if isinstance(key, str)}
    assert codes <= set(MESSAGES)


def test_the_status_comes_from_the_kind_then_the_code():
    assert http_status(ImsError("IMG.0182")) == 400
    assert http_status(RoleRefused()) == 403
    assert http_status(ImsError("IMG.0184")) == 400
    assert http_status(NotFound("IMG.0184")) == 404
    assert http_status(IamError("IAM.0004")) == 401
    assert http_status(IamError("IAM.0009")) == 403


def test_errors_carry_no_http_status():
    for error in (ImsError("IMG.0182"), IamError("IAM.0012"), NotFound("IAM.0011")):
        assert not hasattr(error, "status")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/ims/v2/no-such-route", (404, "APIGW.0101")),
        ("get", "/api/iam/v3/no-such-route", (404, "APIGW.0101")),
        ("get", "/api/nothing-here", (404, "APIGW.0101")),
    ],
)
def test_djangos_own_refusals_answer_in_the_api_format(client, method, path, expected):
    assert error_of(getattr(client, method)(path)) == expected


def test_api_messages_follow_the_language_asked_for(client):
    response = client.get("/api/iam/v3/projects", headers={"accept-language": "zh-CN"})
    assert response.status_code == 401
    body = response.json()["error"]
    assert body["code"] == "IAM.0002" and "X-Auth-Token" in body["message"]
    with translation.override("en"):
        assert body["message"] != str(MESSAGES["IAM.0002"])
    with translation.override("zh-hans"):
        assert body["message"] == str(MESSAGES["IAM.0002"])
