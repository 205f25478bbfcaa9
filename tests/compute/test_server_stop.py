"""Stop ECS asks first, with a Forcibly stop option, as the real console does."""

import pytest
from django.urls import reverse

from console.audit.models import Trace
from tests.conftest import htmx
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db


def test_stop_asks_first_and_changes_nothing_until_confirmed(world, recipient_client):
    server = ServerFactory(project=world.recipient_de, name="web-1")
    url = reverse("compute:server_stop", args=[server.server_id])

    page = recipient_client.get(url)
    dialog = recipient_client.get(url, headers=htmx())

    assert page.status_code == 200 and "Are you sure you want to stop" in page.text
    assert 'name="force"' in page.text and "Forcibly stop" in page.text
    assert dialog["HX-Retarget"] == "#dialogs" and "<dialog" in dialog.text
    server.refresh_from_db()
    assert server.status == "running"


@pytest.mark.parametrize(("data", "kind"), [({}, "SOFT"), ({"force": "on"}, "HARD")])
def test_the_confirmed_stop_closes_the_dialog_and_refreshes_the_table(
    world, recipient_client, data, kind
):
    server = ServerFactory(project=world.recipient_de)
    url = reverse("compute:server_stop", args=[server.server_id])
    response = recipient_client.post(url, data, headers=htmx("server-stop-form"))
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none" and "modal-close" in response["HX-Trigger"]
    assert 'id="server-table"' in response.text and 'hx-swap-oob="true"' in response.text
    assert b"is stopped" in response.content
    server.refresh_from_db()
    assert server.status == "stopped"
    trace = Trace.objects.get(operation="stopServer")
    assert trace.detail == {"type": kind}
