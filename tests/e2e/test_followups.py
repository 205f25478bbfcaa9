"""Browser walks through what a recipient does with accepted shared images (D8-D10)."""

from playwright.sync_api import expect

from console.compute.models import Disk, Server
from console.ids import stable_hex32
from ims.models import Image, ImageMember

BETA_ACCOUNT = stable_hex32("account", "Beta Apps")


def accept(page, name: str) -> None:
    """Accept a pending share from the banner of Images Shared with Me."""
    page.goto("/ims/")
    page.locator("#banner").get_by_label(f"Select {name}").check()
    page.locator("#banner").get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator(f"#accepted-table tr[data-image='{name}']")).to_be_visible()
    assert (
        ImageMember.objects.get(
            image__name=name, project__tenant__name="Beta Apps", project__region__code="eu-de"
        ).status
        == "accepted"
    )


def test_replica_with_own_key_survives_the_owner_revoking_the_grant(new_page):
    bob = new_page("bob")
    accept(bob, "enc-ubuntu")

    # Bob replicates enc-ubuntu with his own key beta-cmk.
    bob.goto("/ims/")
    row = bob.locator("tr[data-image='enc-ubuntu']")
    row.locator("summary", has_text="More").click()
    row.get_by_role("link", name="Replicate").click()
    dialog = bob.locator("dialog#replicate-dialog")
    expect(dialog).to_contain_text("The image size must be less than 128 GB.")
    expect(dialog.get_by_label("Name")).to_have_value("copy_enc-ubuntu")
    dialog.get_by_label("KMS Key").select_option(label="beta-cmk")
    dialog.get_by_role("button", name="OK").click()
    expect(bob.locator("#messages")).to_contain_text(
        "Replication of enc-ubuntu started: copy_enc-ubuntu is Creating under Private Images"
    )
    expect(bob.locator("dialog#replicate-dialog")).to_have_count(0)
    assert Image.objects.get(name="copy_enc-ubuntu").kms_key.alias == "beta-cmk"

    # He opens Apply for Server on the shared image: Shared Image is preselected.
    row.get_by_role("link", name="Apply for Server").click()
    picker = bob.locator("#image-picker")
    expect(picker.get_by_role("link", name="Shared Image")).to_have_class("active")
    expect(picker.locator("tr[data-image='enc-ubuntu'] input")).to_be_checked()

    # Meanwhile Alice revokes Beta Apps' grant on acme-cmk.
    alice = new_page("alice")
    alice.goto("/kms/")
    alice.get_by_role("link", name="acme-cmk").click()
    alice.locator(f"tr[data-grantee='{BETA_ACCOUNT}']").get_by_role("link", name="Revoke").click()
    alice.locator("dialog#revoke-dialog").get_by_role("button", name="Yes").click()
    expect(alice.locator("#grant-table")).to_contain_text("No grants")

    # Bob's purchase of the shared image is refused; his replica still works.
    bob.get_by_label("ECS Name").fill("bob-enc")
    bob.get_by_role("button", name="Create Now").click()
    expect(bob.get_by_test_id("image-error")).to_contain_text("IMG.0046 The image is unavailable.")
    assert not Server.objects.filter(name="bob-enc").exists()
    expect(picker.locator("tr[data-image='enc-ubuntu']")).to_contain_text("Unavailable")
    expect(picker.locator("tr[data-image='enc-ubuntu'] input")).to_be_disabled()

    picker.get_by_role("link", name="Private Image").click()
    picker.locator("tr[data-image='copy_enc-ubuntu'] input").check()
    expect(bob.get_by_test_id("system-disk-hint")).to_contain_text("40 GB for copy_enc-ubuntu")
    bob.get_by_role("button", name="Create Now").click()
    bob.wait_for_url("**/ecs/")
    expect(bob.locator("#messages")).to_contain_text("1 server created: bob-enc.")
    expect(bob.locator("tr[data-server='bob-enc']")).to_contain_text("copy_enc-ubuntu")


def test_bob_creates_a_data_disk_from_data_archive(new_page):
    bob = new_page("bob")
    accept(bob, "data-archive")
    bob.goto("/ims/")
    bob.locator("tr[data-image='data-archive']").get_by_role(
        "link", name="Create Data Disk"
    ).click()
    expect(bob.get_by_label("Create from Image")).to_have_value(
        str(Image.objects.get(name="data-archive").pk)
    )
    expect(bob.get_by_label("Capacity")).to_have_value("100")

    bob.get_by_label("Capacity").fill("80")
    bob.get_by_role("button", name="Create Now").click()
    expect(bob.locator("#disk-form")).to_contain_text("at least 100 GB for data-archive")

    bob.get_by_label("Capacity").fill("120")
    bob.get_by_label("Disk Name").fill("archive-vol")
    bob.get_by_role("button", name="Create Now").click()
    bob.wait_for_url("**/evs/")
    row = bob.locator("tr[data-disk='archive-vol']")
    expect(row).to_contain_text("data-archive")
    expect(row).to_contain_text("120")
    assert Disk.objects.get(name="archive-vol").image.name == "data-archive"


def test_bob_stops_his_server_and_changes_its_os_to_a_shared_image(new_page):
    bob = new_page("bob")
    bob.goto("/ecs/")
    row = bob.locator("tr[data-server='bob-web-01']")
    expect(row.get_by_role("link", name="Change OS")).to_have_count(0)

    row.get_by_role("link", name="Stop").click()
    bob.locator("dialog[open]").get_by_role("button", name="Yes").click()
    expect(row.get_by_test_id("server-status")).to_have_text("Stopped")
    expect(bob.locator("#messages")).to_contain_text("bob-web-01 is stopped.")

    row.get_by_role("link", name="Change OS").click()
    picker = bob.locator("#image-picker")
    picker.get_by_role("link", name="Shared Image").click()
    expect(picker.locator("tr[data-image='legacy-centos7']")).to_have_count(0)
    picker.locator("tr[data-image='win2022-sql'] input").check()
    bob.get_by_role("button", name="Change OS").click()
    bob.wait_for_url("**/ecs/")
    expect(bob.locator("#messages")).to_contain_text("changed to win2022-sql")
    expect(bob.locator("tr[data-server='bob-web-01']")).to_contain_text("win2022-sql")
    system_disk = Server.objects.get(name="bob-web-01").disks.get(role="system")
    assert (system_disk.image.name, system_disk.size_gb) == ("win2022-sql", 60)
