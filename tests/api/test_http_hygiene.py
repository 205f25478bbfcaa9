"""HTTP hygiene: HEAD answers without a body on a kept-alive connection (gunicorn, as `make
run` serves), no cache keeps an answer carrying a token, the host-root routes in the OpenAPI
documents, IDs typed in the schemas."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from console.iam.api import user_id
from console.iam.services import token_issue
from ims.models import Job
from tests.benchmarks.http_load import HOST, free_port
from tests.factories import ImageFactory, ImageMemberFactory
from tests.hardening.api_routes import api_routes
from tests.iam.test_keystone import TOKENS, password_auth

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database as a URL another process can open (the test commits its rows)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Gunicorn:
    """gunicorn with `make run`'s configuration, one worker, on the test database."""

    def __enter__(self) -> Gunicorn:
        self.port = free_port()
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "console.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--config",
            str(BASE_DIR / "gunicorn.conf.py"),
            "--log-level",
            "warning",
        ]
        # DEBUG: the pages link the static files by their source names (no collectstatic).
        env = os.environ | {
            "DATABASE_URL": database_url(),
            "DJANGO_DEBUG": "true",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
        }
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection(HOST, self.port, timeout=1).connect()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def get_paths(world, token_user, job) -> list[str]:
    """Every GET route of the APIs with IDs that exist, and a few at the host root."""
    image = ImageFactory(owner=world.sharer_de, name="head-image")
    ImageMemberFactory(image=image, project=world.recipient_de)
    values = {
        "image_id": str(image.pk),
        "member_id": world.recipient_de.project_id,
        "project_id": world.sharer_de.project_id,
        "job_id": job.job_id,
        "name": "image",
        "uid": user_id(token_user),
    }
    paths = []
    for route in api_routes():
        if route.method == "GET":
            path = route.path
            for name in route.path_params:
                path = path.replace("{" + name + "}", values[name])
            paths.append(route.prefix + path)
    paths += ["/v2/images", "/v2/cloudimages", "/v3/projects", "/api/ims", "/api/ims/v2/nowhere"]
    return paths


@pytest.mark.django_db(transaction=True)
def test_head_answers_have_no_body_and_the_connection_stays_usable(world):
    token = token_issue(user=world.sharer_user, project=world.sharer_de).value
    job = Job.objects.create(
        job_type=Job.JobType.ADD, project=world.sharer_de, user=world.sharer_user, request={}
    )
    api_paths = get_paths(world, world.sharer_user, job)
    browser = Client()
    browser.force_login(world.sharer_user)
    console_paths = ["/login/", "/", "/ims/", "/ims/?view=rejected", "/vaults/", "/nowhere/"]
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    checked = 0
    with Gunicorn() as server:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=20)
        for paths, headers, same_bytes in (
            (api_paths, {"X-Auth-Token": token, "X-Subject-Token": token}, True),
            # A page differs from one request to the next (its CSRF token, its messages).
            (console_paths, {"Cookie": cookie}, False),
        ):
            for path in paths:
                conn.request("HEAD", path, headers=headers)
                head = conn.getresponse()
                head.read()
                # The next answer on the same connection starts where the HEAD answer ended:
                # a body sent with it would be read here as the status line.
                conn.request("GET", path, headers=headers)
                got = conn.getresponse()
                body = got.read()
                assert got.status < 500, (path, got.status, body[:200])
                if same_bytes and head.status == got.status:
                    assert int(head.getheader("Content-Length")) == len(body), path
                checked += 1
        # One connection for all of them: the server kept it alive.
        assert conn.sock is not None
        conn.close()
    assert checked == len(api_paths) + len(console_paths)
    assert any(p.startswith("/api/iam/v3/auth/tokens") for p in api_paths)


@pytest.mark.django_db
def test_answers_carrying_a_token_are_not_stored(client, world):
    domain = {"name": "Recipient Co"}
    body = password_auth({"name": "recipient"}, domain, {"name": "eu-de", "domain": domain})
    issued = client.post(TOKENS, body, content_type="application/json")
    assert issued.status_code == 201
    assert "no-store" in issued["Cache-Control"]
    token = issued["X-Subject-Token"]
    headers = {"X-Auth-Token": token, "X-Subject-Token": token}
    for method in ("get", "head"):
        validated = getattr(client, method)(TOKENS, headers=headers)
        assert validated.status_code == 200
        assert "no-store" in validated["Cache-Control"]


@pytest.mark.parametrize(
    ("prefix", "roots"), [("/api/ims", ("/v1/", "/v2/")), ("/api/iam", ("/v3/",))]
)
def test_host_root_routes_are_documented(client, prefix, roots):
    paths = client.get(f"{prefix}/openapi.json").json()["paths"]
    served = {p.removeprefix(prefix) for p in paths if p.startswith(prefix)}
    rooted = {p for p in served if p.startswith(roots)}
    assert rooted and rooted <= set(paths)
    assert set(paths) == {p for p in paths if p.startswith(prefix + "/")} | rooted
    # The twins have operation IDs of their own.
    ids = {p: {op["operationId"] for op in ops.values()} for p, ops in paths.items()}
    assert all(not ids[p] & ids[prefix + p] for p in rooted)


def _parameter(document, path, method, name):
    for parameter in document["paths"][path][method]["parameters"]:
        if parameter["name"] == name:
            return parameter["schema"]
    raise AssertionError(f"{name} not in {method} {path}")


def _property(document, schema, name):
    return document["components"]["schemas"][schema]["properties"][name]


UUID = {"format": "uuid"}
HEX32 = {"pattern": "^[0-9a-f]{32}$"}


def test_ids_are_typed_in_the_schemas(client):
    ims = client.get("/api/ims/openapi.json").json()
    member = "/api/ims/v2/images/{image_id}/members/{member_id}"
    assert UUID.items() <= _parameter(ims, member, "get", "image_id").items()
    assert HEX32.items() <= _parameter(ims, member, "get", "member_id").items()
    job = "/v1/{project_id}/jobs/{job_id}"
    assert HEX32.items() <= _parameter(ims, job, "get", "project_id").items()
    assert HEX32.items() <= _parameter(ims, job, "get", "job_id").items()
    assert UUID.items() <= _property(ims, "BatchMembers", "images")["items"].items()
    assert HEX32.items() <= _property(ims, "BatchMembers", "projects")["items"].items()
    assert HEX32.items() <= _property(ims, "MemberCreate", "member").items()
    iam = client.get("/api/iam/openapi.json").json()
    project = _parameter(iam, "/v3/projects/{project_id}", "get", "project_id")
    assert HEX32.items() <= project.items()


@pytest.mark.django_db
def test_ids_of_another_shape_are_still_answered_as_missing(client, world):
    token = token_issue(user=world.sharer_user, project=world.sharer_de).value
    response = client.get("/api/ims/v2/images/not-a-uuid", headers={"X-Auth-Token": token})
    assert (response.status_code, response.json()["error"]["code"]) == (404, "IMG.0027")
    assert re.search("visible", response.json()["error"]["message"])
