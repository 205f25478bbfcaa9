"""alice deletes several private images at once with Delete above the list, in both
languages, on a desktop and a phone; an image that cannot go is named and nothing is deleted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ims.models import Image
from tests.e2e.test_manage_images import LANGUAGES, SIDEWAYS, VIEWPORTS, open_as, shot
from vaults.models import Vault

# What the page says after the deletion, per language.
DELETED = {"en": "2 images deleted.", "zh-hans": "已删除2个镜像。"}


def check(page, name: str) -> None:
    page.locator(f"tr[data-image='{name}'] input[type=checkbox]").check()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_alice_deletes_two_checked_images_and_a_protected_one_is_refused(
    browser, live_server, demo_world, language, size, tmp_path
):
    Image.objects.filter(name="legacy-centos7").update(protected=True)
    page = open_as(browser, live_server, "alice", language=language, viewport=VIEWPORTS[size])
    page.goto("/ims/private/")
    for name in ("win2022-sql", "data-archive", "legacy-centos7"):
        check(page, name)
    page.get_by_test_id("delete-selected").click()

    # The protected image is named with its code; Yes stays disabled: all or nothing.
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("[data-testid=delete-images] tbody tr")).to_have_count(3)
    expect(dialog.get_by_test_id("delete-refusal")).to_contain_text("legacy-centos7")
    expect(dialog.get_by_test_id("delete-refusal")).to_contain_text("IMG.0028")
    expect(dialog.locator("button[type=submit]")).to_be_disabled()
    assert page.evaluate(SIDEWAYS) <= 0
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[size]["width"]
    shot(page, f"delete-refused-{size}-{language}", tmp_path)
    dialog.locator("[data-close-dialog]").last.click()
    expect(page.locator("dialog[open]")).to_have_count(0)

    # Without it, the two others go together.
    page.locator("tr[data-image='legacy-centos7'] input[type=checkbox]").uncheck()
    page.get_by_test_id("delete-selected").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("[data-testid=delete-images] tbody tr")).to_have_count(2)
    expect(dialog.get_by_test_id("delete-recipients")).to_be_visible()  # data-archive is shared
    expect(dialog.get_by_test_id("delete-refusal")).to_have_count(0)
    shot(page, f"delete-confirm-{size}-{language}", tmp_path)
    dialog.locator("button[type=submit]").scroll_into_view_if_needed()
    expect(dialog.locator("button[type=submit]")).to_be_in_viewport()
    dialog.locator("button[type=submit]").click()

    expect(page.locator("#messages")).to_contain_text(DELETED[language])
    for name in ("win2022-sql", "data-archive"):
        expect(page.locator(f"tr[data-image='{name}']")).to_have_count(0)
    expect(page.locator("tr[data-image='legacy-centos7']")).to_have_count(1)
    shot(page, f"delete-done-{size}-{language}", tmp_path)
    assert not Image.objects.filter(name__in=["win2022-sql", "data-archive"]).exists()
    page.context.close()


def test_deleting_a_full_ecs_image_with_its_backups_frees_the_vault(
    browser, live_server, demo_world, tmp_path
):
    """alice makes a full-ECS image of her server into her vault, then deletes it with its
    backups: the vault's used capacity drops back."""
    vault = Vault.objects.get(name="acme-server-vault")
    page = open_as(browser, live_server, "alice")
    page.goto("/ims/private/create/")
    page.get_by_label("Full-ECS image").check()
    page.get_by_label("ECS", exact=True).select_option(label="alice-app-01 (Stopped)")
    page.get_by_label("Server Backup Vault").select_option(str(vault.vault_id))
    page.get_by_label("Name", exact=True).fill("whole-app")
    page.get_by_test_id("create-image-submit").click()
    row = page.locator("tr[data-image='whole-app']")
    expect(row).to_contain_text("Normal", timeout=30_000)
    assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 100

    row.locator("input[type=checkbox]").check()
    page.get_by_test_id("delete-selected").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Delete CSBS backups or cloud server backups")).to_be_checked()
    expect(dialog).to_contain_text("2 disk backups (100 GB)")
    shot(page, "delete-full-ecs", tmp_path)
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("2 backups (100 GB) deleted")
    expect(page.locator("tr[data-image='whole-app']")).to_have_count(0)
    assert Vault.objects.with_usage().get(pk=vault.pk).used_gb == 0
    page.context.close()
