"""D13 sweep: another tenant's and another region's IDs, in every place a request carries one.

Every route from the resolver is tried with hidden objects in its path, and every field that
names an object (form fields, hidden inputs, query parameters) with hidden IDs: the answer is
a 404 or a form error, nothing changes, and no hidden object's name shows. The same request
with the recipient's own IDs is then made to change something, so a check that stopped
working would show as a change.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import htmx
from tests.hardening.routes import ROUTES, SESSION_ONLY, WRITE_ROUTES, Route
from tests.hardening.sweeps import COUNTS, HIDDEN_MARKERS, console_routes, snapshot

pytestmark = pytest.mark.django_db

ARGS = dict(console_routes())
VARIANTS = [{}, htmx(), htmx("dialogs")]


def counts():
    return COUNTS["cross-tenant sweep"]


def assert_hidden(response, where):
    body = response.content.decode(errors="replace")
    for marker in HIDDEN_MARKERS:
        assert marker not in body, f"{where}: a hidden object's name shows"


def with_hidden(route: Route, data: dict, name: str, value) -> dict:
    if name in route.many:
        return data | {name: [*data.get(name, []), value]}
    return data | {name: value}


def warm_up(client, sw):
    """Pages that change what they show once seen (the message list marks messages read)."""
    client.get(reverse("audit:message_list"))


def test_every_route_is_described():
    described = {route.name for route in ROUTES} | SESSION_ONLY
    assert set(ARGS) == described, "describe the new route in tests/hardening/routes.py"
    counts()["routes"] = len(ARGS)


@pytest.mark.parametrize("route", [r for r in ROUTES if ARGS[r.name]], ids=lambda r: r.label)
def test_hidden_objects_in_the_path_are_404(sweep, recipient_client, route):
    warm_up(recipient_client, sweep)
    before = snapshot()
    data = route.post(sweep) if route.post else {}
    for hidden in sweep.hidden():
        url = reverse(route.name, kwargs=route.kwargs(sweep, hidden, ARGS[route.name]))
        for headers in VARIANTS:
            for method in ("get", "post"):
                response = getattr(recipient_client, method)(
                    url, data if method == "post" else {}, headers=headers
                )
                counts()["attempts"] += 1
                assert response.status_code in (404, 405), f"{method} {url} {headers}"
                assert_hidden(response, url)
    assert snapshot() == before
    own = reverse(route.name, kwargs=route.kwargs(sweep, sweep.own, ARGS[route.name]))
    # Some dialogs need their query (a key's target state) and are a 404 without it.
    assert recipient_client.get(own).status_code in (200, 302, 404, 405), own
    if route.post is not None:
        assert recipient_client.post(own, data).status_code < 400, own
        assert snapshot() != before, f"{route.label}: the valid change changed nothing"


FIELD_ROUTES = [r for r in ROUTES if r.fields or r.query]


@pytest.mark.parametrize("route", FIELD_ROUTES, ids=lambda r: r.label)
def test_hidden_ids_in_forms_hidden_inputs_and_queries_change_nothing(
    sweep, recipient_client, route
):
    url = reverse(route.name, kwargs=route.kwargs(sweep, sweep.own, ARGS[route.name]))
    warm_up(recipient_client, sweep)
    before = snapshot()
    data = route.post(sweep) if route.post else {}
    for hidden in sweep.hidden():
        for name, kind in route.fields.items():
            posted = with_hidden(route, data, name, hidden.value(kind))
            for headers in VARIANTS[:2]:
                response = recipient_client.post(url, posted, headers=headers)
                counts()["attempts"] += 1
                assert response.status_code in (200, 404), f"{url} {name} {headers}"
                assert_hidden(response, f"{url} {name}")
                assert snapshot() == before, f"{route.label}: {name}={hidden.value(kind)}"
        for name, kind in route.query.items():
            for headers in VARIANTS:
                response = recipient_client.get(url, {name: hidden.value(kind)}, headers=headers)
                counts()["attempts"] += 1
                assert response.status_code in (200, 302, 404), f"{url}?{name} {headers}"
                assert_hidden(response, f"{url}?{name}")
    assert snapshot() == before
    assert_hidden(recipient_client.get(reverse("audit:trace_list")), "traces")
    if route.post is not None and route.fields:
        response = recipient_client.post(url, data)
        assert response.status_code < 400
        assert snapshot() != before, f"{route.label}: the valid change changed nothing"


def test_a_region_without_a_project_is_404(sweep, recipient_client):
    other = type(sweep.own.image.region).objects.create(code="eu-xx", name="Elsewhere")
    response = recipient_client.post(reverse("console:region_switch"), {"region": other.code})
    counts()["attempts"] += 1
    assert response.status_code == 404


def test_every_write_route_is_swept_for_hidden_ids(sweep):
    """Write routes reading no object ID from their form name their objects in the path."""
    for route in WRITE_ROUTES:
        assert (
            route.fields
            or ARGS[route.name]
            or route.name
            in {
                "audit:message_mark_read",
                "kms:key_create",
                "vaults:vault_create",
                "iam:access_key_create",
            }
        ), route.label
