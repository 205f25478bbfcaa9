"""The recipient's procedure on the demo world: accept, the full-ECS vault, reject, regions."""

from playwright.sync_api import expect

from ims.models import ImageMember
from vaults.models import Vault

EU_DE_PENDING = ["ubuntu-22-web", "data-archive", "full-ecs-app", "enc-ubuntu", "big-analytics"]


def beta_status(name, region="eu-de"):
    return ImageMember.objects.get(
        image__name=name, project__tenant__name="Beta Apps", project__region__code=region
    ).status


def test_bob_accepts_rejects_and_accepts_again(new_page):
    page = new_page("bob")
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.goto("/ims/")
    banner = page.locator("#banner")
    for name in EU_DE_PENDING:
        expect(banner.get_by_label(f"Select {name}")).to_be_visible()
    expect(banner.get_by_label("Select nl-centos")).to_have_count(0)
    expect(page.get_by_test_id("pending-dot")).to_be_visible()

    # Accept two of them; the banner's buttons are disabled while the request runs.
    banner.get_by_label("Select ubuntu-22-web").check()
    banner.get_by_label("Select data-archive").check()
    held = []
    page.route("**/ims/shares/accept/", lambda route: held.append(route))
    banner.get_by_role("button", name="Accept", exact=True).click()
    expect(banner.get_by_role("button", name="Accept All")).to_be_disabled()
    expect(banner.get_by_role("button", name="Reject")).to_be_disabled()
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    page.unroute("**/ims/shares/accept/")
    expect(page.locator("#messages")).to_contain_text("2 images accepted.")
    accepted = page.locator("#accepted-table")
    expect(accepted.locator("tr[data-image='ubuntu-22-web']")).to_be_visible()
    expect(accepted.locator("tr[data-image='data-archive']")).to_be_visible()
    expect(banner.get_by_label("Select ubuntu-22-web")).to_have_count(0)

    # Accept All: the full-ECS image needs a vault.
    banner.get_by_role("button", name="Accept All").click()
    dialog = page.locator("#accept-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("required-capacity")).to_have_text("100 GB")
    small = dialog.get_by_label("vault-backup-50")
    expect(small).to_be_disabled()
    expect(dialog).to_contain_text(
        "vault-backup-50 has 50 GB free; 100 GB are required. (IMG.0182)"
    )
    expect(dialog.get_by_label("vault-replication")).to_be_disabled()
    expect(dialog.get_by_label("vault-disk")).to_be_disabled()
    dialog.get_by_label("vault-backup-200").check()
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text(
        "3 images accepted. Backups stored in vault-backup-200."
    )
    expect(page.locator("#banner")).to_be_hidden()
    expect(page.get_by_test_id("pending-dot")).to_have_count(0)
    for name in EU_DE_PENDING + ["win2022-sql"]:
        expect(accepted.locator(f"tr[data-image='{name}']")).to_be_visible()
    assert Vault.objects.with_usage().get(name="vault-backup-200").used_gb == 100

    page.goto("/vaults/")
    expect(page.locator("tr", has_text="vault-backup-200")).to_contain_text("100")

    # Reject an accepted image from its row, then accept it again from Rejected Images.
    page.goto("/ims/")
    page.locator("#accepted-table tr[data-image='win2022-sql']").get_by_role(
        "link", name="Reject"
    ).click()
    confirm = page.locator("#reject-dialog")
    expect(confirm).to_contain_text("Servers and disks already created from it are not affected.")
    confirm.get_by_role("button", name="Yes").click()
    expect(page.locator("#messages")).to_contain_text("1 image rejected.")
    expect(page.locator("#accepted-table tr[data-image='win2022-sql']")).to_have_count(0)
    assert beta_status("win2022-sql") == "rejected"

    page.get_by_role("link", name="Rejected Images").click()
    rejected = page.locator("#rejected-images")
    expect(rejected.get_by_label("Select win2022-sql")).to_be_visible()
    expect(rejected.get_by_label("Select legacy-centos7")).to_be_visible()
    assert "view=rejected" in page.url
    rejected.get_by_label("Select win2022-sql").check()
    rejected.get_by_role("button", name="Accept").click()
    expect(page.locator("#messages")).to_contain_text("1 image accepted.")
    expect(rejected.get_by_label("Select win2022-sql")).to_have_count(0)
    assert beta_status("win2022-sql") == "accepted"
    # The browser's Back shows the list as it is now, not as it was before Rejected Images.
    page.go_back()
    expect(page.locator("#accepted-table tr[data-image='win2022-sql']")).to_be_visible()
    expect(page.locator("#messages")).not_to_contain_text("rejected")
    page.go_forward()
    page.get_by_role("link", name="‹ Back", exact=True).click()
    expect(page.locator("#accepted-table tr[data-image='win2022-sql']")).to_be_visible()

    # Another region shows its own pending shares.
    page.get_by_label("Region").select_option(label="EU-Netherlands")
    page.wait_for_load_state()
    expect(page.get_by_label("Region")).to_have_value("eu-nl")
    expect(page.locator("#banner").get_by_label("Select nl-centos")).to_be_visible()
    expect(page.locator("#banner").get_by_label("Select ubuntu-22-web")).to_have_count(0)
    assert console_errors == []


def test_full_ecs_dialog_create_vault_round_trip(new_page):
    page = new_page("bob")
    page.goto("/ims/")
    page.locator("#banner").get_by_label("Select full-ecs-app").check()
    page.locator("#banner").get_by_role("button", name="Accept", exact=True).click()
    dialog = page.locator("#accept-dialog")
    dialog.get_by_test_id("create-vault-link").click()
    page.wait_for_url("**/vaults/create/**")
    page.get_by_label("Name").fill("vault-for-app")
    page.get_by_label("Cloud server backup").check()
    page.get_by_label("Backup", exact=True).check()
    page.get_by_label("Capacity (GB)").fill("150")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/ims/?accept=**")
    dialog = page.locator("#accept-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("vault-for-app").check()
    dialog.get_by_role("button", name="OK").click()
    expect(page.locator("#messages")).to_contain_text(
        "1 image accepted. Backups stored in vault-for-app."
    )
    assert beta_status("full-ecs-app") == "accepted"


def test_readonly_bea_cannot_accept(new_page):
    page = new_page("bea")
    page.goto("/ims/")
    page.locator("#banner").get_by_label("Select ubuntu-22-web").check()
    page.locator("#banner").get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("read-only")
    expect(page.locator("#banner").get_by_label("Select ubuntu-22-web")).to_be_visible()
    page.locator("#banner").get_by_role("button", name="Accept All").click()
    expect(page.locator("#messages .alert-error").last).to_contain_text("read-only")
    assert beta_status("ubuntu-22-web") == "pending"
    assert (
        not ImageMember.objects.filter(project__tenant__name="Beta Apps", status="accepted")
        .exclude(image__name="win2022-sql")
        .exists()
    )
