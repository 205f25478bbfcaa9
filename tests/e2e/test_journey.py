"""The whole sharing journey across two tenants, as a live demo walks it."""

from playwright.sync_api import expect

from console.compute.models import Server
from tests.e2e.test_sharing import carol_project_id, gamma_members, open_share_dialog


def test_share_accept_use_and_stop_sharing(new_page):
    carol, carol_de = carol_project_id(new_page)

    alice = new_page("alice")
    dialog = open_share_dialog(alice, "ubuntu-22-web")
    dialog.get_by_label("Project ID").fill(carol_de)
    dialog.get_by_role("button", name="OK").click()
    expect(alice.locator("#messages")).to_contain_text("Image ubuntu-22-web shared with 1 project.")

    # Carol sees the bell count, the red dot and the banner; she accepts.
    carol.goto("/ims/")
    expect(carol.get_by_test_id("unread-count")).to_have_text("1")
    expect(carol.get_by_test_id("pending-dot")).to_be_visible()
    banner = carol.locator("#banner")
    expect(banner).to_contain_text("Acme Images")
    banner.get_by_label("Select ubuntu-22-web").check()
    banner.get_by_role("button", name="Accept", exact=True).click()
    expect(carol.locator("#messages")).to_contain_text("1 image accepted.")
    row = carol.locator("#accepted-table tr[data-image='ubuntu-22-web']")
    expect(row).to_be_visible()

    # Apply for Server: the shared image is preselected; two servers.
    row.get_by_role("link", name="Apply for Server").click()
    picker = carol.locator("#image-picker")
    expect(picker.get_by_role("link", name="Shared Image")).to_have_class("active")
    expect(picker.locator("tr[data-image='ubuntu-22-web'] input")).to_be_checked()
    carol.get_by_label("ECS Name").fill("carol-web")
    carol.get_by_label("Quantity").fill("2")
    carol.get_by_role("button", name="Create Now").click()
    carol.wait_for_url("**/ecs/")
    expect(carol.locator("tr[data-server='carol-web-0001']")).to_contain_text("ubuntu-22-web")
    expect(carol.locator("tr[data-server='carol-web-0002']")).to_be_visible()

    # Alice stops sharing: the image is gone for Carol at once; her servers remain.
    dialog = open_share_dialog(alice, "ubuntu-22-web")
    dialog.get_by_role("link", name="Stop Sharing").click()
    dialog.get_by_label(f"Stop sharing with Gamma Labs ({carol_de})").check()
    dialog.get_by_role("button", name="OK").click()
    expect(alice.locator("#messages")).to_contain_text(
        f"Stopped sharing ubuntu-22-web with {carol_de}."
    )
    assert not gamma_members().exists()

    carol.goto("/ims/")
    expect(carol.locator("#accepted-table tr[data-image='ubuntu-22-web']")).to_have_count(0)
    expect(carol.locator("#banner")).to_be_hidden()
    carol.goto("/ims/?view=rejected")
    expect(carol.locator("#rejected-table")).not_to_contain_text("ubuntu-22-web")
    carol.goto("/ecs/")
    expect(carol.locator("tr[data-server='carol-web-0001']")).to_be_visible()
    expect(carol.locator("tr[data-server='carol-web-0002']")).to_be_visible()
    assert Server.objects.filter(project__tenant__name="Gamma Labs").count() == 2
