from playwright.sync_api import expect


def vault_row(page, name):
    return page.locator(
        "#vault-table tbody tr", has=page.get_by_role("link", name=name, exact=True)
    )


def test_bob_creates_and_deletes_a_vault(new_page):
    page = new_page("bob")
    page.get_by_role("navigation", name="Services").get_by_role(
        "link", name="Cloud Backup and Recovery"
    ).click()
    expect(page.get_by_role("heading", name="Vaults")).to_be_visible()

    page.get_by_role("link", name="Create Vault").click()
    expect(page.get_by_role("heading", name="Create Vault")).to_be_visible()
    page.get_by_label("Cloud server backup").check()
    page.get_by_label("Backup", exact=True).check()
    page.get_by_label("Vault Capacity (GB)").fill("120")
    page.get_by_label("Name").fill("vault-e2e")
    page.get_by_role("button", name="Create Now").click()

    expect(page.get_by_role("heading", name="vault-e2e")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("Vault vault-e2e created.")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Vaults").click()
    row = vault_row(page, "vault-e2e")
    expect(row).to_contain_text("Cloud server backup")
    expect(row.get_by_test_id("capacity")).to_have_text("120")

    row.get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete Vault")
    expect(dialog).to_contain_text("Are you sure")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("Vault vault-e2e deleted.")
    expect(vault_row(page, "vault-e2e")).to_have_count(0)
    expect(vault_row(page, "vault-backup-50")).to_have_count(1)


def test_bob_expands_a_vault_in_the_dialog(new_page):
    page = new_page("bob")
    page.goto("/vaults/")
    row = vault_row(page, "vault-backup-50")
    expect(row.get_by_test_id("capacity")).to_have_text("50")

    row.get_by_role("link", name="Expand Capacity").click()
    dialog = page.get_by_role("dialog", name="Expand Capacity")
    expect(dialog).to_contain_text("Current Capacity")
    dialog.get_by_label("New Capacity (GB)").fill("40")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_contain_text("greater than the current capacity (50 GB)")

    dialog.get_by_label("New Capacity (GB)").fill("80")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("Vault vault-backup-50 expanded to 80 GB.")
    expect(vault_row(page, "vault-backup-50").get_by_test_id("capacity")).to_have_text("80")
    expect(vault_row(page, "vault-backup-50").get_by_test_id("usage")).to_have_text("0 / 80")
