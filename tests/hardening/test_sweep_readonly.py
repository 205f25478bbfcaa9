"""D13 sweep: a read-only user's change on every write route is refused, changes nothing, and
leaves one failed trace naming the same service and operation a successful change records.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from console.audit.models import Trace
from tests.conftest import htmx
from tests.hardening.routes import REFUSED_ROUTES, ROUTES, SESSION_ONLY, WRITE_ROUTES
from tests.hardening.sweeps import COUNTS, console_routes, snapshot

pytestmark = pytest.mark.django_db

ARGS = dict(console_routes())


def counts():
    return COUNTS["read-only sweep"]


def refusal_shown(client: Client, response) -> bool:
    if response.status_code == 302:
        said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    else:
        said = response.content.decode()
    return "IMG.0026" in said or "read-only" in said


@pytest.mark.parametrize("route", REFUSED_ROUTES, ids=lambda r: r.label)
def test_a_read_only_change_is_refused_unchanged_and_audited(
    world, sweep, readonly_client, recipient_client, route
):
    url = reverse(route.name, kwargs=route.kwargs(sweep, sweep.own, ARGS[route.name]))
    data = route.post(sweep)
    before = snapshot()
    failed = []
    for headers in ({}, htmx()):
        traces = set(Trace.objects.values_list("pk", flat=True))
        response = readonly_client.post(url, data, headers=headers)
        counts()["attempts"] += 1
        assert response.status_code in (200, 302, 403), f"{url} {headers}"
        if not headers and response.status_code != 302:
            assert response.status_code in (403, 200)
        assert refusal_shown(readonly_client, response), f"{url} {headers}: no refusal shown"
        assert snapshot() == before, f"{route.label} {headers}: the read-only user changed rows"
        new = list(Trace.objects.exclude(pk__in=traces))
        assert len(new) == 1, f"{route.label} {headers}: {len(new)} traces for one refusal"
        trace = new[0]
        assert trace.result == Trace.Result.FAILED
        assert trace.user == world.readonly_user
        assert trace.project == world.recipient_de
        assert trace.detail["error"].startswith("IMG.0026"), trace.detail
        failed.append(trace)
    counts()["refusals audited"] += len(failed)
    # The same request by an administrator succeeds and is traced as the same operation.
    traces = set(Trace.objects.values_list("pk", flat=True))
    response = recipient_client.post(url, data)
    assert response.status_code < 400
    assert snapshot() != before, f"{route.label}: the administrator's change changed nothing"
    done = Trace.objects.exclude(pk__in=traces).filter(result=Trace.Result.SUCCESS).first()
    assert done is not None, f"{route.label}: the change left no trace"
    assert {(t.service, t.operation) for t in failed} == {(done.service, done.operation)}


def test_every_other_route_refuses_to_change_anything(sweep, readonly_client):
    """Routes without a change answer POST with 405, and are described as such."""
    writes = {route.name for route in WRITE_ROUTES}
    before = snapshot()
    for name, args in console_routes():
        if name in writes or name in SESSION_ONLY:
            continue
        route = next(r for r in ROUTES if r.name == name)
        url = reverse(name, kwargs=route.kwargs(sweep, sweep.own, args))
        assert readonly_client.post(url, {}).status_code == 405, url
        counts()["attempts"] += 1
    assert snapshot() == before
    counts()["write routes"] = len(writes)


@pytest.mark.parametrize(
    "route", [r for r in WRITE_ROUTES if r.readonly_allowed], ids=lambda r: r.label
)
def test_a_read_only_user_still_manages_their_own_credentials(world, sweep, readonly_client, route):
    objects = sweep.other_region  # its access key is the read-only user's own
    url = reverse(route.name, kwargs=route.kwargs(sweep, objects, ARGS[route.name]))
    before = snapshot()
    assert readonly_client.post(url, route.post(sweep)).status_code in (200, 302)
    assert snapshot() != before, route.readonly_allowed
