"""The sharer's procedure on the demo world: share, wrong project IDs, stop sharing."""

from playwright.sync_api import expect

from ims.models import ImageMember


def carol_project_id(new_page, region_name=None):
    """Read Gamma Labs' project ID the way a user would: from carol's My Credentials page."""
    page = new_page("carol")
    page.goto("/credentials/")
    if region_name:
        page.get_by_label("Region").select_option(label=region_name)
        expect(page.locator("#project-table tr.current")).to_contain_text(region_name)
    project_id = page.locator("#project-table tr.current code").inner_text().strip()
    assert len(project_id) == 32
    return page, project_id


def open_share_dialog(page, image_name):
    page.goto("/ims/private/")
    row = page.locator(f"tr[data-image='{image_name}']")
    row.get_by_text("More").click()
    row.get_by_role("link", name="Share").click()
    dialog = page.locator("#share-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("An image can be shared only inside its region.")
    expect(dialog).to_contain_text(image_name)
    return dialog


def gamma_members():
    return ImageMember.objects.filter(project__tenant__name="Gamma Labs")


def test_alice_shares_with_carol_who_sees_the_message(new_page):
    carol, carol_de = carol_project_id(new_page)
    expect(carol.get_by_test_id("unread-count")).to_have_count(0)

    alice = new_page("alice")
    dialog = open_share_dialog(alice, "ubuntu-22-web")
    dialog.get_by_label("Project ID").fill(carol_de)
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_have_count(0)
    expect(alice.locator("#messages")).to_contain_text("Image ubuntu-22-web shared with 1 project.")
    member = gamma_members().get()
    assert (member.image.name, member.status) == ("ubuntu-22-web", "pending")

    carol.goto("/ims/")
    expect(carol.get_by_test_id("unread-count")).to_have_text("1")
    carol.get_by_role("link", name="Messages, 1 unread").click()
    expect(carol.locator("#message-list")).to_contain_text("Acme Images shared 1 image with you")
    expect(carol.locator("#message-list")).to_contain_text("ubuntu-22-web")
    expect(carol.get_by_test_id("unread-count")).to_have_count(0)


def test_wrong_project_ids_are_named_and_nothing_is_shared(new_page):
    _, carol_nl = carol_project_id(new_page, "EU-Netherlands")
    made_up = "0123456789abcdef0123456789abcdef"

    alice = new_page("alice")
    # A laptop-sized window: the list scrolls inside its card, not the whole page sideways.
    alice.set_viewport_size({"width": 1200, "height": 800})
    alice.goto("/ims/private/")
    assert alice.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    dialog = open_share_dialog(alice, "ubuntu-22-web")
    expect(alice.locator("details[open]")).to_have_count(0)
    expect(dialog.get_by_label("Project ID")).to_be_focused()
    dialog.get_by_label("Project ID").fill(f"{made_up},\n{carol_nl}")
    dialog.get_by_role("button", name="OK").click()
    errors = dialog.get_by_test_id("share-errors")
    expect(errors).to_contain_text("Nothing was shared.")
    expect(errors).to_contain_text(f"Project ID {made_up}: IMG.0108")
    expect(errors).to_contain_text(f"Project ID {carol_nl}: IMG.0108")
    expect(dialog.get_by_label("Project ID")).to_have_value(f"{made_up},\n{carol_nl}")
    # The re-rendered form keeps the keyboard focus inside the dialog.
    expect(dialog.get_by_label("Project ID")).to_be_focused()
    assert not gamma_members().exists()


def test_alice_stops_sharing_with_carol(new_page):
    _, carol_de = carol_project_id(new_page)
    alice = new_page("alice")
    dialog = open_share_dialog(alice, "ubuntu-22-web")
    dialog.get_by_label("Project ID").fill(carol_de)
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_have_count(0)

    alice.get_by_role("link", name="ubuntu-22-web").click()
    recipients = alice.locator("#recipient-table")
    expect(recipients.locator(f"tr[data-project='{carol_de}']")).to_contain_text("Gamma Labs")

    dialog = open_share_dialog(alice, "ubuntu-22-web")
    dialog.get_by_role("link", name="Stop Sharing").click()
    dialog.get_by_label(f"Stop sharing with Gamma Labs ({carol_de})").check()
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_have_count(0)
    expect(alice.locator("#messages")).to_contain_text(
        f"Stopped sharing ubuntu-22-web with {carol_de}."
    )
    assert not gamma_members().exists()
    assert ImageMember.objects.filter(
        image__name="ubuntu-22-web", project__tenant__name="Beta Apps"
    ).exists()

    alice.get_by_role("link", name="ubuntu-22-web").click()
    expect(alice.locator("#recipient-table")).not_to_contain_text("Gamma Labs")
    expect(alice.locator("#recipient-table")).to_contain_text("Beta Apps")
