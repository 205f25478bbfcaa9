"""View Trace: a trace's event as JSON, what was asked and what came of it; in both languages."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.urls import reverse

from console.audit.models import Trace
from tests.conftest import htmx
from tests.factories import TraceFactory

pytestmark = pytest.mark.django_db


def event_of(response) -> dict:
    body = re.search(r'data-testid="trace-json">(.*?)</pre>', response.content.decode(), re.S)
    return json.loads(html.unescape(body.group(1)))


def test_a_trace_shows_its_request_and_response(world, recipient_client):
    trace = TraceFactory(
        project=world.recipient_de,
        user_name="recipient",
        service="IMS",
        operation="updateMember",
        resource_id="0f" * 16,
        resource_name="web",
        detail={"project_id": world.recipient_de.project_id, "status": "accepted"},
    )

    response = recipient_client.get(reverse("audit:trace_detail", args=[trace.pk]))

    assert response.status_code == 200
    event = event_of(response)
    assert event["trace_name"] == "updateMember" and event["service_type"] == "IMS"
    assert event["request"] == {"project_id": world.recipient_de.project_id, "status": "accepted"}
    assert event["response"] == {"result": "success"}
    assert event["trace_rating"] == "normal"
    assert event["user"] == {
        "name": "recipient",
        "domain": {"name": world.recipient.name, "id": world.recipient.account_id},
    }
    assert (event["region"], event["project_id"]) == ("eu-de", world.recipient_de.project_id)
    assert (event["resource_id"], event["resource_name"]) == ("0f" * 16, "web")


def test_a_refused_operation_shows_why(world, recipient_client):
    trace = TraceFactory(
        project=world.recipient_de,
        result=Trace.Result.FAILED,
        detail={"error": "IMG.0182: Insufficient vault capacity."},
    )
    event = event_of(recipient_client.get(reverse("audit:trace_detail", args=[trace.pk])))
    assert event["response"] == {
        "result": "failed",
        "error_msg": "IMG.0182: Insufficient vault capacity.",
    }
    assert event["trace_rating"] == "warning" and event["request"] == {}


def test_another_tenants_trace_is_404(world, recipient_client):
    theirs = TraceFactory(project=world.sharer_de)
    assert recipient_client.get(reverse("audit:trace_detail", args=[theirs.pk])).status_code == 404
    # The tenant's own trace of another region is its own.
    own_nl = TraceFactory(project=world.recipient_nl)
    assert recipient_client.get(reverse("audit:trace_detail", args=[own_nl.pk])).status_code == 200


def test_htmx_gets_the_dialog_and_the_list_links_to_it(world, recipient_client):
    trace = TraceFactory(project=world.recipient_de)
    url = reverse("audit:trace_detail", args=[trace.pk])
    assert f'hx-get="{url}"' in recipient_client.get(reverse("audit:trace_list")).text

    dialog = recipient_client.get(url, headers=htmx())

    assert dialog["HX-Retarget"] == "#dialogs"
    assert dialog.text.lstrip().startswith('<div id="trace-dialog">')
    assert 'data-testid="trace-json"' in dialog.text


def test_the_list_names_services_and_resource_types_in_chinese(world, recipient_client):
    TraceFactory(project=world.recipient_de, service="Console", resource_type="message")
    TraceFactory(project=world.recipient_de, service="CBR", resource_type="vault")
    body = recipient_client.get(
        reverse("audit:trace_list"), headers={"Accept-Language": "zh-hans"}
    ).text
    assert "控制台" in body and "消息" in body and "存储库" in body
    assert "CBR – 云备份" in body, "the service filter names each service"
    assert ">message<" not in body and ">vault<" not in body
