"""Browser walks of the documented procedures: Change OS with a full-ECS image, tags and
Search by Tag across tenants, Replicate through Creating to Normal."""

from playwright.sync_api import expect

from console.compute.models import Server
from console.models import Project
from ims.models import Image, ImageMember
from tests.e2e.test_sharing import carol_project_id, open_share_dialog


def test_bob_changes_the_os_of_bob_web_01_to_the_accepted_full_ecs_app(new_page):
    bob = new_page("bob")
    bob.goto("/ims/")
    bob.locator("#banner").get_by_label("Select full-ecs-app").check()
    bob.locator("#banner").get_by_role("button", name="Accept", exact=True).click()
    dialog = bob.locator("dialog#accept-dialog")
    dialog.get_by_label("vault-backup-200").check()
    dialog.get_by_role("button", name="OK").click()
    expect(bob.locator("#accepted-table tr[data-image='full-ecs-app']")).to_be_visible()

    bob.goto("/ecs/")
    row = bob.locator("tr[data-server='bob-web-01']")
    row.get_by_role("link", name="Stop").click()
    bob.locator("dialog[open]").get_by_role("button", name="Yes").click()
    expect(row.get_by_test_id("server-status")).to_have_text("Stopped")
    row.get_by_role("link", name="Change OS").click()
    picker = bob.locator("#image-picker")
    picker.get_by_role("link", name="Shared Image").click()
    picker.locator("tr[data-image='full-ecs-app'] input").check()
    bob.get_by_role("button", name="Change OS").click()
    bob.wait_for_url("**/ecs/")
    expect(bob.locator("#messages")).to_contain_text("changed to full-ecs-app")
    expect(bob.locator("tr[data-server='bob-web-01']")).to_contain_text("full-ecs-app")
    server = Server.objects.get(name="bob-web-01")
    system_disk = server.disks.get(role="system")
    # The full-ECS image's system disk backup (40 GB) became the system disk.
    assert (system_disk.image.name, system_disk.size_gb) == ("full-ecs-app", 40)
    assert not server.disks.filter(role="data").exists()


def test_alice_tags_an_image_and_carol_finds_it_by_tag(new_page):
    alice = new_page("alice")
    alice.goto("/ims/private/")
    alice.locator("tr[data-image='ubuntu-22-web'] td.image-name a").click()
    panel = alice.locator("#tags-panel")
    panel.get_by_label("Tag key").fill("env")
    panel.get_by_label("Tag value").fill("prod")
    panel.get_by_role("button", name="Add Tag").click()
    expect(alice.locator("#tags-panel tr[data-tag='env']")).to_contain_text("prod")
    alice.goto("/ims/private/")
    expect(alice.locator("tr[data-image='ubuntu-22-web']")).to_contain_text("env=prod")

    carol, carol_de = carol_project_id(new_page)
    dialog = open_share_dialog(alice, "ubuntu-22-web")
    expect(dialog.get_by_role("link", name="Learn how to obtain the project ID.")).to_be_visible()
    dialog.get_by_label("Project ID").fill(carol_de)
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_have_count(0)

    other = Image.objects.get(name="win2022-sql")
    ImageMember.objects.create(image=other, project=Project.objects.get(project_id=carol_de))
    carol.goto("/ims/")
    carol.locator("#banner").get_by_label("Select win2022-sql").check()
    carol.locator("#banner").get_by_label("Select ubuntu-22-web").check()
    carol.locator("#banner").get_by_role("button", name="Accept", exact=True).click()
    expect(carol.locator("#accepted-table tr[data-image='ubuntu-22-web']")).to_be_visible()
    rows = carol.locator("#accepted-table tbody tr[data-image]")
    # Carol also accepted a second image, without tags: Search by Tag leaves it out.
    search_by_tag(carol, "env")
    expect(rows).to_have_count(1)
    search_by_tag(carol, "env", "prod")
    expect(rows).to_have_count(1)
    expect(carol.locator("#accepted-table tr[data-image='ubuntu-22-web']")).to_contain_text(
        "env=prod"
    )
    search_by_tag(carol, "env", "dev")
    expect(rows).to_have_count(0)


def search_by_tag(page, key, value=""):
    """Fill Search by Tag and press Enter; return once the list for exactly that has come."""
    page.get_by_label("Tag key").fill(key)
    page.get_by_label("Tag value").fill(value)
    wanted = f"tag_key={key}&tag_value={value}"
    with page.expect_response(lambda response: wanted in response.url):
        page.get_by_label("Tag value").press("Enter")
    # The typing also fires a debounced search for the same terms; let it land first.
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Tag value")).to_have_value(value)


def test_bob_replicates_win2022_sql_and_sees_creating_then_normal(new_page, settings):
    # Long enough for a person, and this test, to see the copy Creating.
    settings.IMS_REPLICATION_SECONDS = 4
    bob = new_page("bob")
    bob.goto("/ims/")
    row = bob.locator("tr[data-image='win2022-sql']")
    row.locator("summary", has_text="More").click()
    row.get_by_role("link", name="Replicate").click()
    dialog = bob.locator("dialog#replicate-dialog")
    expect(dialog.get_by_label("Name")).to_have_value("copy_win2022-sql")
    dialog.get_by_role("button", name="OK").click()
    expect(bob.locator("#messages")).to_contain_text("copy_win2022-sql is Creating")

    bob.goto("/ims/private/")
    status = bob.locator("tr[data-image='copy_win2022-sql'] .status")
    expect(status).to_have_text("Creating")
    expect(bob.get_by_test_id("quota-hint")).to_contain_text("more private images.")
    # The list reloads itself until the task has finished.
    expect(status).to_have_text("Normal", timeout=20_000)
    assert Image.objects.get(name="copy_win2022-sql").status == "active"
