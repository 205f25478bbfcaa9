"""Property: no path, query, header or body makes any API route answer 5xx.

Hypothesis draws a route of the Keystone, Glance or IMS API (every operation their routers
serve, under /api/… or at the host root), a demo user's token (the sharer, the recipient or
the read-only user of the seeded demo world) and the request: path segments, query
parameters, headers and a body made of the demo world's IDs, text, huge values, NUL bytes,
lone surrogates, wrong types, nesting far deeper than any client sends and bodies over
DATA_UPLOAD_MAX_MEMORY_SIZE. API_SWEEP_EXAMPLES sets the number of examples.
"""

from __future__ import annotations

import io
import json
import os
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.iam.api import user_id
from console.iam.services import token_issue
from console.models import Project, User
from ims.api.jobs import job_submit
from ims.models import Image, ImageMember, Job
from tests.hardening.api_routes import api_routes
from tests.hardening.sweeps import COUNTS
from vaults.models import Vault

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("API_SWEEP_EXAMPLES", "400"))
ROUTES = api_routes()
HOST_ROOT = {"/api/ims": ("/v1/", "/v2/"), "/api/iam": ("/v3/",)}
CONTENT_TYPES = [
    "application/json",
    "application/openstack-images-v2.1-json-patch",
    "text/plain",
    "application/x-www-form-urlencoded",
    None,
]
# Header names the APIs read, and a few they do not.
HEADERS = ["X-Project-Id", "X-Subject-Token", "X-Sdk-Date", "X-Openstack-Request-Id", "Range"]
EXTRA_KEYS = ["images", "projects", "project_id", "status", "vault_id", "member", "auth", "name"]

NUL = st.text(max_size=6).map(lambda s: f"a\x00{s}")
SURROGATE = st.sampled_from(["\ud800", "x\udfff", "\udbff\udc00\ud800"])
WEIRD = st.one_of(
    NUL,
    SURROGATE,
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.uuids().map(str),
    st.sampled_from(["", " ", "%00", "../..", "*", "x" * 5000, "0" * 40, "ｅｕ-ｄｅ", "🙂"]),
)


def demo_world() -> dict:
    """Seed the demo world; its users' tokens and the IDs worth aiming at."""
    call_command("seed_demo", stdout=io.StringIO())
    users = {u.username: u for u in User.objects.filter(username__in=["alice", "bob", "bea"])}
    projects = {p.tenant.name: p for p in Project.objects.select_related("tenant", "region")}
    acme, beta = projects["Acme Images"], projects["Beta Apps"]
    beta_de = Project.objects.get(tenant=beta.tenant, region__code="eu-de")
    acme_de = Project.objects.get(tenant=acme.tenant, region__code="eu-de")
    tokens = [
        token_issue(user=users["alice"], project=acme_de).value,
        token_issue(user=users["bob"], project=beta_de).value,
        token_issue(user=users["bea"], project=beta_de).value,
    ]
    job = job_submit(
        actor=users["bob"],
        project=beta_de,
        job_type=Job.JobType.UPDATE,
        request={"images": [], "project_id": beta_de.project_id, "status": "rejected"},
    )
    ids = [
        *(str(pk) for pk in Image.objects.values_list("pk", flat=True)[:6]),
        *Project.objects.values_list("project_id", flat=True),
        *(str(v) for v in Vault.objects.values_list("vault_id", flat=True)[:3]),
        *(user_id(u) for u in users.values()),
        job.job_id,
        "image",
        "members",
        "eu-de",
        "os.linux",
    ]
    assert ImageMember.objects.exists()
    return {"tokens": tokens, "ids": ids}


def segment(value: str) -> str:
    """A path segment as a client would send it; lone surrogates as their UTF-8 bytes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def json_values(ids: list[str]):
    leaves = st.one_of(
        st.sampled_from(ids),
        WEIRD,
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.sampled_from(EXTRA_KEYS), WEIRD), inner, max_size=4),
        ),
        max_leaves=12,
    )


def nested(depth: int) -> str:
    return '{"images": ' + "[" * depth + "]" * depth + "}"


@st.composite
def bodies(draw, route, ids: list[str]):
    """A body for `route`: its own fields with odd values, the wrong shape, or a monster."""
    kind = draw(
        st.sampled_from(["none", "fields", "fields", "fields", "shape", "huge", "deep", "raw"])
    )
    if kind == "none":
        return None
    if kind == "fields":
        keys = st.sampled_from(list(route.body_fields) or EXTRA_KEYS)
        value = draw(st.dictionaries(keys, json_values(ids), max_size=5))
        return json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if kind == "shape":
        return json.dumps(draw(json_values(ids))).encode()
    if kind == "huge":
        field = draw(st.sampled_from(list(route.body_fields) or EXTRA_KEYS))
        size = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + draw(st.integers(1, 4096))
        return json.dumps({field: "x" * size}).encode()
    if kind == "deep":
        return nested(draw(st.sampled_from([64, 1_000, 100_000]))).encode()
    return draw(st.sampled_from([b"\xff\xfe\x00", b'{"a": "\xed\xa0\x80"}', b"{", b"null", b"[]"]))


def test_no_request_makes_an_api_server_error():
    world = demo_world()
    ids = world["ids"]
    client = Client(raise_request_exception=False)
    route_indexes = list(range(len(ROUTES)))
    counts = COUNTS["API sweep"]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data(), index=st.sampled_from(route_indexes))
    def request(data, index):
        route = ROUTES[index]
        values = st.one_of(st.sampled_from(ids), WEIRD)
        path = route.path
        for name in route.path_params:
            path = path.replace("{" + name + "}", segment(data.draw(values)))
        prefix = route.prefix
        if data.draw(st.booleans()) and path.startswith(HOST_ROOT[prefix]):
            prefix = ""
        query = data.draw(
            st.lists(
                st.tuples(
                    st.sampled_from([*route.query_params, "limit", "marker", "name"]),
                    values,
                ),
                max_size=4,
            )
        )
        url = prefix + path
        if query:
            url += "?" + "&".join(f"{segment(k)}={segment(v)}" for k, v in query)
        headers = {"X-Auth-Token": data.draw(st.sampled_from(world["tokens"]))}
        for name in data.draw(st.lists(st.sampled_from(HEADERS), max_size=2, unique=True)):
            headers[name] = data.draw(st.one_of(st.sampled_from(world["tokens"]), values))
        body = data.draw(bodies(route, ids)) if route.method != "HEAD" else None
        kwargs = {"headers": headers}
        if body is not None:
            kwargs["data"] = body
            kwargs["content_type"] = data.draw(st.sampled_from(CONTENT_TYPES)) or ""
        response = client.generic(route.method, url, **kwargs)
        counts["examples"] += 1
        if response.status_code >= 500:
            counts["5xx"] += 1
        assert response.status_code < 500, (route.method, url[:300], headers, (body or b"")[:300])

    request()
