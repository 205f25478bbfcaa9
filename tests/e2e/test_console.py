from playwright.sync_api import expect

from console.ids import stable_hex32


def test_bob_switches_region_and_reads_project_id(new_page):
    page = new_page("bob")
    expect(page.get_by_label("Region")).to_have_value("eu-de")

    page.goto("/credentials/")
    current = page.locator("#project-table tr.current")
    expect(current).to_contain_text(stable_hex32("project", "Beta Apps", "eu-de"))

    page.get_by_label("Region").select_option(label="EU-Netherlands")
    page.wait_for_url("**/credentials/")
    expect(page.get_by_label("Region")).to_have_value("eu-nl")
    current = page.locator("#project-table tr.current")
    expect(current).to_contain_text(stable_hex32("project", "Beta Apps", "eu-nl"))
    expect(current).to_contain_text("EU-Netherlands")


def test_login_page_lists_personas(new_page):
    page = new_page()
    page.goto("/login/")
    personas = page.get_by_role("region", name="Demo personas")
    for username in ["alice", "bob", "bea", "carol", "admin"]:
        expect(personas).to_contain_text(username)
    expect(personas).to_contain_text("console-demo")


def test_wrong_password_is_refused(new_page):
    page = new_page()
    page.goto("/login/")
    page.get_by_label("Account name").fill("Beta Apps")
    page.get_by_label("IAM user name").fill("bob")
    page.get_by_label("Password").fill("nope")
    page.get_by_role("button", name="Log In").click()
    expect(page.locator(".form-error")).to_contain_text("Incorrect account name")


def test_a_persona_button_logs_in_and_the_account_name_is_remembered(new_page):
    page = new_page()
    page.goto("/login/")
    page.locator('form[data-persona="bob"] button').click()
    page.wait_for_url(lambda url: "/login/" not in url)
    expect(page.locator("body")).to_contain_text("bob")
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log Out").click()
    page.wait_for_url(lambda url: "/login/" in url)
    expect(page.get_by_label("Account name")).to_have_value("Beta Apps")
    expect(page.get_by_label("IAM user name")).to_be_focused()
