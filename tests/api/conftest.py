"""API test helpers: tokens for the world's users, JSON calls with them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from console.iam.services import token_issue

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


class Api:
    """A Django test client that sends one token and JSON bodies."""

    def __init__(self, user, project, prefix="/api/ims"):
        self.token = token_issue(user=user, project=project).value
        self.project = project
        self.user = user
        self.prefix = prefix
        self.client = Client()

    def call(self, method, path, body=None, **headers):
        kwargs = {"headers": {"X-Auth-Token": self.token, **headers}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(self.prefix + path, **kwargs)

    def get(self, path, **headers):
        return self.call("get", path, **headers)


@pytest.fixture
def sharer_api(world):
    return Api(world.sharer_user, world.sharer_de)


@pytest.fixture
def recipient_api(world):
    return Api(world.recipient_user, world.recipient_de)


@pytest.fixture
def readonly_api(world):
    return Api(world.readonly_user, world.recipient_de)


def error_of(response) -> tuple[int, str]:
    """(status, code) of a JSON error response; fails on any other shape."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return response.status_code, body["error"]["code"]
