"""alice makes a system disk image of her server in the browser; it turns Normal by itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from console.compute.services import servers_create
from console.models import Project, User
from ims.models import Image
from tests.e2e.test_manage_images import LANGUAGES, SIDEWAYS, VIEWPORTS, open_as, shot


def alice_server() -> None:
    alice = User.objects.get(username="alice")
    project = Project.objects.get(tenant=alice.tenant, region__code="eu-de")
    public = Image.objects.filter(owner=None, region=project.region, image_type="system").first()
    servers_create(
        actor=alice,
        project=project,
        image=public,
        name="alice-web-01",
        availability_zone="eu-de-01",
        flavor="s3.medium.2",
        system_disk_gb=max(public.min_disk_gb, 40),
    )


def test_alice_creates_a_system_disk_image_and_it_turns_normal(new_page):
    alice_server()
    alice = new_page("alice")
    alice.goto("/ims/private/")
    alice.get_by_test_id("create-image").click()
    expect(alice.get_by_role("heading", name="Create Image")).to_be_visible()
    alice.get_by_label("System disk image").check()
    alice.get_by_label("ECS", exact=True).select_option(label="alice-web-01 (Running)")
    alice.get_by_label("Name", exact=True).fill("web 01")  # a space inside is allowed
    alice.get_by_label("Name", exact=True).fill(" web-01-image")
    alice.get_by_test_id("create-image-submit").click()
    expect(alice.locator("#image-create-form")).to_contain_text("IMG.0003")
    alice.get_by_label("Name", exact=True).fill("web-01-image")
    alice.get_by_test_id("create-image-submit").click()
    row = alice.locator("tr[data-image='web-01-image']")
    expect(row).to_have_count(1)
    # The list polls while an image is Creating: Normal appears without a reload.
    expect(row).to_contain_text("Normal", timeout=15_000)
    assert Image.objects.get(name="web-01-image").status == Image.Status.ACTIVE


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_create_image_page_fits(browser, live_server, demo_world, tmp_path, language, viewport):
    alice_server()
    page = open_as(browser, live_server, "alice", language=language, viewport=VIEWPORTS[viewport])
    page.goto("/ims/private/create/")
    expect(page.locator("#image-create-form")).to_be_visible()
    assert page.evaluate(SIDEWAYS) <= 0
    shot(page, f"create-image-{language}-{viewport}", tmp_path)
    page.context.close()
