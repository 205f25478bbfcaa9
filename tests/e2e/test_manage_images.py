"""alice modifies and deletes her private images in the browser, in both languages, on a
desktop and a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ims.models import Image
from tests.e2e.conftest import login

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
LANGUAGES = ["en", "zh-hans"]
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def open_as(browser, live_server, username, *, language="en", viewport=DESKTOP):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, username)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return page


def shot(page, name: str, tmp_path: Path) -> None:
    """Keep a screenshot to look at (in SCREENSHOT_DIR when set)."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def test_alice_modifies_an_image_and_fixes_what_the_dialog_refuses(new_page):
    alice = new_page("alice")
    alice.goto("/ims/private/")
    row = alice.locator("tr[data-image='ubuntu-22-web']")
    row.get_by_role("link", name="Modify").click()
    dialog = alice.locator("dialog[open]")
    expect(dialog.get_by_label("Name")).to_have_value("ubuntu-22-web")
    dialog.get_by_label("Name").fill("ubuntu-22-web-v2")
    dialog.get_by_label("Description").fill("Web tier, hardened")
    dialog.get_by_role("radiogroup", name="Minimum Memory").get_by_text("64 GB", exact=True).click()
    dialog.get_by_role("radiogroup", name="Maximum Memory").get_by_text("32 GB", exact=True).click()
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_contain_text("IMG.0055")
    dialog.get_by_role("radiogroup", name="Minimum Memory").get_by_text("2 GB", exact=True).click()
    dialog.get_by_role("button", name="OK").click()

    expect(alice.locator("dialog[open]")).to_have_count(0)
    expect(alice.locator("#messages")).to_contain_text("Image ubuntu-22-web-v2 modified.")
    expect(alice.locator("tr[data-image='ubuntu-22-web-v2']")).to_have_count(1)
    image = Image.objects.get(name="ubuntu-22-web-v2")
    assert (image.description, image.min_ram, image.max_ram) == ("Web tier, hardened", 2048, 32768)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_modify_dialog_fits_the_window(
    browser, live_server, demo_world, language, size, tmp_path
):
    page = open_as(browser, live_server, "alice", language=language, viewport=VIEWPORTS[size])
    image = Image.objects.get(name="ubuntu-22-web")
    page.goto(f"/ims/images/{image.pk}/")
    page.get_by_test_id("modify-image").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("#id_name")).to_be_visible()
    assert page.evaluate(SIDEWAYS) <= 0
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[size]["width"]
    shot(page, f"modify-{size}-{language}", tmp_path)
    dialog.locator("button[type=submit]").scroll_into_view_if_needed()
    expect(dialog.locator("button[type=submit]")).to_be_in_viewport()
    page.context.close()
