"""Property: no form or query parameter of any route makes the console answer 5xx.

Hypothesis draws a route, a method, htmx headers (HX-Current-URL included) and parameters:
the route's own fields and the list filters, filled with text, huge numbers, UUIDs, control
characters and the IDs of objects the user may or may not see. SWEEP_EXAMPLES sets the number
of examples (2,000 by default, as in CI; raise it for a longer hunt).
"""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.routes import ROUTES
from tests.hardening.sweeps import COUNTS, console_routes

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SWEEP_EXAMPLES", "2000"))
ARGS = dict(console_routes())
LIST_PARAMS = ["q", "type", "view", "page", "pending_page", "tab", "accept", "next", "state"]
FORM_PARAMS = [
    "members",
    "all",
    "vault",
    "from_dialog",
    "image",
    "project_ids",
    "recipients",
    "name",
    "description",
    "kms_key",
    "availability_zone",
    "flavor",
    "system_disk_gb",
    "size_gb",
    "quantity",
    "alias",
    "grantee_account_id",
    "operations",
    "resource_type",
    "protection_type",
    "capacity_gb",
    "region",
    "operation",
    "service",
    "result",
]
TARGETS = [None, "dialogs", "banner", "shared-list", "image-list", "server-form", "share-panel"]

scalars = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.uuids().map(str),
    st.sampled_from(["", "0", "-1", "1e9", "all", "true", "\x00", "ｅｕ-ｄｅ", "🙂", "%00", " "]),
    st.sampled_from(["http://[::1", "//evil.test/x", "/ims/?view=rejected", "javascript:x"]),
)


def _id_values(sw) -> list[str]:
    values = []
    for objects in [sw.own, *sw.hidden()]:
        for kind in ("image", "data_image", "member", "vault", "server", "key", "recipient"):
            values.append(str(objects.value(kind)))
    return values


def test_no_parameter_makes_a_server_error(sweep, recipient_client):
    ids = _id_values(sweep)
    values = st.one_of(scalars, st.sampled_from(ids))
    route_names = sorted({route.name for route in ROUTES} - {"console:logout"})

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        name=st.sampled_from(route_names),
        method=st.sampled_from(["get", "post"]),
        target=st.sampled_from(TARGETS),
        hx=st.booleans(),
        params=st.dictionaries(
            st.sampled_from(LIST_PARAMS + FORM_PARAMS),
            st.one_of(values, st.lists(values, max_size=3)),
            max_size=5,
        ),
        use_own_path=st.booleans(),
        current_url=st.one_of(st.none(), scalars),
    )
    def request(name, method, target, hx, params, use_own_path, current_url):
        route = next(r for r in ROUTES if r.name == name)
        objects = sweep.own if use_own_path else sweep.far
        url = reverse(name, kwargs=route.kwargs(sweep, objects, ARGS[name]))
        headers = {"HX-Request": "true"} if hx else {}
        if hx and target:
            headers["HX-Target"] = target
        if hx and current_url is not None:
            headers["HX-Current-URL"] = current_url
        response = getattr(recipient_client, method)(url, params, headers=headers)
        COUNTS["property sweep"]["examples"] += 1
        assert response.status_code < 500, (method, url, params, headers)

    request()
