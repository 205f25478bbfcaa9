"""Stop asks first (with Forcibly stop), View Trace shows a trace's event, and the trainer
resets the demo world from the console, all in the browser under the console's CSP."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from console.audit.models import Trace
from console.compute.models import Server
from ims.models import Image


def test_bob_forcibly_stops_his_server_after_confirming(new_page):
    bob = new_page("bob")
    bob.goto("/ecs/")
    row = bob.locator("tr[data-server='bob-web-01']")
    row.get_by_role("link", name="Stop").click()
    dialog = bob.locator("dialog[open]")
    expect(dialog).to_contain_text("Are you sure you want to stop the following ECS?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(bob.locator("dialog[open]")).to_have_count(0)
    assert Server.objects.get(name="bob-web-01").status == "running"

    row.get_by_role("link", name="Stop").click()
    dialog = bob.locator("dialog[open]")
    dialog.get_by_label("Forcibly stop").check()
    dialog.get_by_role("button", name="Yes").click()

    expect(row.get_by_test_id("server-status")).to_have_text("Stopped")
    expect(bob.locator("dialog[open]")).to_have_count(0)
    assert Trace.objects.get(operation="stopServer").detail == {"type": "HARD"}


def test_bob_views_a_trace_with_its_request_and_response(new_page):
    bob = new_page("bob")
    bob.goto("/traces/")
    row = bob.locator("tbody tr", has_text="win2022-sql")
    row.get_by_role("link", name="View Trace").click()
    dialog = bob.locator("dialog[open]")
    event = json.loads(dialog.get_by_test_id("trace-json").inner_text())
    assert event["trace_name"] == "updateMember" and event["resource_name"] == "win2022-sql"
    assert event["request"]["status"] == "accepted"
    assert event["response"] == {"result": "success"}
    dialog.get_by_role("button", name="Close").first.click()
    expect(bob.locator("dialog[open]")).to_have_count(0)


def test_the_trainer_resets_the_demo_world_from_the_user_menu(new_page):
    ubuntu_id = Image.objects.get(name="ubuntu-22-web").pk
    Image.objects.filter(pk=ubuntu_id).delete()
    admin = new_page("admin")
    admin.goto("/demo/reset/")
    admin.locator(".user-menu summary").click()
    admin.locator(".user-menu").get_by_role("link", name="Reset Demo World").click()
    expect(admin.locator("h1")).to_have_text("Reset Demo World")
    admin.get_by_role("button", name="Reset Demo World").click()

    expect(admin.locator("#messages")).to_contain_text("The demo world was reset in")
    assert Image.objects.get(name="ubuntu-22-web").pk == ubuntu_id
