"""Both languages, a phone, 200 % zoom and the keyboard: axe-core, overflow, focus, dialogs."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from console.compute.models import Server
from console.kms.models import Key
from ims.models import Image
from tests.e2e.conftest import account_of
from vaults.models import Vault

# axe-core's minified build, shipped inside the axe-playwright-python test dependency.
AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# 1440 x 900 at 200 % zoom lays out like a 720 x 450 window.
ZOOM_200 = {"width": 720, "height": 450}
LANGUAGES = ["en", "zh-hans"]
PASSWORD = "console-demo"


@pytest.fixture
def open_console(browser, live_server, demo_world):
    """open_console(user, language=..., viewport=...) -> a logged-in page in that language."""
    contexts = []

    def open_page(username=None, *, language="en", viewport=DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if username:
            page.goto("/login/")
            page.locator("#id_account").fill(account_of(username))
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(PASSWORD)
            page.locator(".login-card button[type=submit]").click()
            page.wait_for_url(lambda url: "/login/" not in url)
        return page

    yield open_page
    for context in contexts:
        context.close()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated through the browser's debugging protocol, which the page's CSP does not
        # govern: no <script> is added, so the policy stays exactly the console's.
        page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def bob_pages() -> list[str]:
    vault = Vault.objects.get(name="vault-backup-200")
    server = Server.objects.get(name="bob-web-01")
    return [
        "/ims/",
        "/ims/?view=rejected",
        "/ims/private/",
        "/ims/public/",
        "/vaults/",
        "/vaults/create/",
        f"/vaults/{vault.vault_id}/",
        "/ecs/",
        "/ecs/create/",
        f"/ecs/{server.server_id}/change-os/",
        "/evs/",
        "/evs/create/",
        "/kms/",
        "/messages/",
        "/traces/",
        "/credentials/",
        "/iam/access-keys/",
        "/ims/images/00000000-0000-0000-0000-000000000000/",
    ]


def alice_pages() -> list[str]:
    web = Image.objects.get(name="ubuntu-22-web")
    full = Image.objects.get(name="full-ecs-app")
    key = Key.objects.get(alias="acme-cmk")
    return [f"/ims/images/{web.pk}/", f"/ims/images/{full.pk}/?tab=backups", f"/kms/{key.key_id}/"]


# Each dialog: who opens it, on which page, and how (language-neutral selectors).
def _accept_full_ecs(page):
    page.locator("#pending-table tr", has_text="full-ecs-app").locator("input").check()
    page.locator("#banner .toolbar button").first.click()


def _share(page):
    page.locator("tr[data-image='ubuntu-22-web'] input[type=checkbox]").check()
    page.get_by_test_id("share-selected").click()


def _first(selector):
    return lambda page: page.locator(selector).first.click()


def _in_row_menu(row, link):
    def open_(page):
        page.locator(f"{row} details summary").first.click()
        page.locator(f"{row} details {link}").first.click()

    return open_


def dialogs() -> list[tuple[str, str, object]]:
    web = Image.objects.get(name="ubuntu-22-web")
    key = Key.objects.get(alias="acme-cmk")
    vault = Vault.objects.get(name="vault-backup-200")
    detail = f"/ims/images/{web.pk}/"
    return [
        ("bob", "/ims/", _accept_full_ecs),
        ("bob", "/ims/", _first("#accepted-table a[hx-get*='/shares/reject/']")),
        ("bob", "/ims/", _in_row_menu("#accepted-table tr[data-image='win2022-sql']", "a")),
        ("alice", "/ims/private/", _share),
        ("alice", detail, _first(f"a[hx-get$='/images/{web.pk}/members/add/']")),
        ("alice", detail, _first(f"a[hx-get$='/images/{web.pk}/members/delete/']")),
        ("alice", detail, _first(f"a[hx-get$='/images/{web.pk}/delete/']")),
        ("alice", "/kms/", _first("a[hx-get$='/kms/create/']")),
        ("alice", f"/kms/{key.key_id}/", _first("a[hx-get$='/grants/create/']")),
        ("alice", f"/kms/{key.key_id}/", _first("a[hx-get*='/revoke/']")),
        ("alice", f"/kms/{key.key_id}/", _first("a[hx-get$='?state=disabled']")),
        ("bob", "/vaults/", _first(f"a[hx-get$='/vaults/{vault.vault_id}/expand/']")),
        ("bob", "/vaults/", _first(f"a[hx-get$='/vaults/{vault.vault_id}/delete/']")),
    ]


def open_dialog(page, opener):
    opener(page)
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    page.wait_for_load_state("networkidle")
    return dialog


# ---------------------------------------------------------------------------------------------
# axe-core: no serious or critical violation on any page or dialog, in both languages


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_serious_on_any_page(open_console, language):
    found = {}
    anonymous = open_console(language=language)
    anonymous.goto("/login/")
    found["/login/"] = serious_violations(anonymous)
    for user, paths in (("bob", bob_pages()), ("alice", alice_pages())):
        page = open_console(user, language=language)
        for path in paths:
            page.goto(path)
            found[path] = serious_violations(page)
    assert {path: v for path, v in found.items() if v} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_serious_in_any_dialog(open_console, language):
    found = {}
    pages = {}
    for index, (user, path, opener) in enumerate(dialogs()):
        page = pages.get(user) or pages.setdefault(user, open_console(user, language=language))
        page.goto(path)
        dialog = open_dialog(page, opener)
        found[f"{index} {path} #{dialog.get_attribute('id')}"] = serious_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


# ---------------------------------------------------------------------------------------------
# Phone and zoom


@pytest.mark.parametrize(
    ("language", "viewport"), [("en", PHONE), ("zh-hans", PHONE), ("en", ZOOM_200)]
)
def test_no_page_scrolls_sideways(open_console, language, viewport):
    wide = {}
    anonymous = open_console(language=language, viewport=viewport)
    anonymous.goto("/login/")
    wide["/login/"] = horizontal_overflow(anonymous)
    for user, paths in (("bob", bob_pages()), ("alice", alice_pages())):
        page = open_console(user, language=language, viewport=viewport)
        for path in paths:
            page.goto(path)
            wide[path] = horizontal_overflow(page)
    assert {path: px for path, px in wide.items() if px > 0} == {}


def test_the_header_folds_into_a_menu_on_a_phone(open_console):
    page = open_console("bob", viewport=PHONE)
    page.goto("/ims/")
    region = page.locator("#region-select")
    expect(region).to_be_hidden()
    toggle = page.locator("[data-topbar-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for control in ("#region-select", "#bell", ".lang-menu summary", ".user-menu summary"):
        element = page.locator(control)
        expect(element).to_be_visible()
        box = element.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control
    page.keyboard.press("Escape")
    expect(region).to_be_hidden()
    expect(toggle).to_be_focused()


def test_tables_scroll_inside_their_cards_on_a_phone(open_console):
    page = open_console("bob", viewport=PHONE)
    page.goto("/ims/")
    wrap = page.locator("#pending-table").locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    assert horizontal_overflow(page) == 0


@pytest.mark.parametrize("viewport", [PHONE, ZOOM_200])
def test_every_dialog_fits_the_screen_and_its_buttons_can_be_tapped(open_console, viewport):
    problems = []
    pages = {}
    for user, path, opener in dialogs():
        page = pages.get(user) or pages.setdefault(user, open_console(user, viewport=viewport))
        page.goto(path)
        if viewport is PHONE and page.locator("[data-topbar-toggle]").is_visible():
            pass  # openers live in the content, not in the folded header
        dialog = open_dialog(page, opener)
        box = dialog.bounding_box()
        name = f"{path} #{dialog.get_attribute('id')}"
        if box["x"] < 0 or box["x"] + box["width"] > viewport["width"] + 0.5:
            problems.append(f"{name} is {box['width']} px wide")
        if box["y"] < 0 or box["y"] + box["height"] > viewport["height"] + 0.5:
            problems.append(f"{name} is {box['height']} px high")
        buttons = dialog.locator(".dialog-footer .btn:not([disabled]), .dialog-header button")
        for i in range(buttons.count()):
            button = buttons.nth(i)
            button.click(trial=True)  # fails when another element covers the button
            size = button.bounding_box()
            if size["width"] < 24 or size["height"] < 24:
                problems.append(f"{name}: a button is {size['width']}x{size['height']} px")
        if horizontal_overflow(page) > 0:
            problems.append(f"{name} makes the page scroll sideways")
    assert problems == []


# ---------------------------------------------------------------------------------------------
# Keyboard and focus


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(open_console):
    page = open_console("bob")
    page.goto("/ims/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_controls_show_a_visible_focus_ring(open_console):
    page = open_console("bob")
    page.goto("/ims/")
    for selector in ("#pending-table input[type=checkbox]", "#id_type", "#id_q", "#banner button"):
        control = page.locator(selector).first
        control.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        style = control.evaluate(
            "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style[0] != "none" and float(style[1].rstrip("px")) >= 2, (selector, style)


@pytest.mark.parametrize("close", ["Escape", "cancel", "ok"])
def test_focus_returns_to_the_opener_of_a_dialog(open_console, close):
    page = open_console("bob")
    page.goto("/ims/")
    row = page.locator("#pending-table tr", has_text="full-ecs-app")
    row.locator("input").check()
    opener = page.locator("#banner .toolbar button").first
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#accept-dialog[open]")
    expect(dialog).to_be_visible()
    if close == "Escape":
        page.keyboard.press("Escape")
    elif close == "cancel":
        dialog.locator(".dialog-footer button[data-close-dialog]").click()
    else:
        dialog.locator("input[name=vault]:not([disabled])").first.check()
        dialog.locator(".dialog-footer button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.activeElement !== document.body")
    if close != "ok":
        expect(opener).to_be_focused()


def test_focus_after_a_successful_reject_lands_on_the_page_not_body(open_console):
    page = open_console("bob")
    page.goto("/ims/")
    opener = page.locator("#accepted-table a[hx-get*='/shares/reject/']").first
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#reject-dialog[open]")
    expect(dialog).to_be_visible()
    dialog.locator("button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.activeElement && document.activeElement !== document.body")


def test_a_double_click_on_ok_sends_one_request_and_disables_every_button(open_console):
    page = open_console("alice")
    page.goto("/kms/")
    page.locator("a[hx-get$='/kms/create/']").click()
    dialog = page.locator("#key-create-dialog[open]")
    expect(dialog).to_be_visible()
    dialog.locator("#id_alias").fill("double-click-key")
    held, posts = [], []

    def hold(route):
        posts.append(route.request.url)
        held.append(route)

    page.route(
        "**/kms/create/",
        lambda route: hold(route) if route.request.method == "POST" else route.continue_(),
    )
    dialog.locator(".dialog-footer button[type=submit]").dblclick()
    page.wait_for_timeout(300)
    states = dialog.locator("button").evaluate_all("buttons => buttons.map(b => b.disabled)")
    assert states and all(states), states
    for route in held:
        route.continue_()
    expect(page.locator("dialog[open]")).to_have_count(0)
    assert len(posts) == 1
    assert Key.objects.filter(alias="double-click-key").count() == 1


@pytest.mark.parametrize(
    ("language", "notice"),
    [("en", "Could not reach the console"), ("zh-hans", "无法连接控制台")],
)
def test_a_dropped_connection_shows_a_notice(open_console, language, notice):
    page = open_console("bob", language=language)
    page.goto("/ims/")
    page.context.set_offline(True)
    page.locator("#accepted-table a[hx-get*='/shares/reject/']").first.click()
    expect(page.locator("#messages [role=alert]")).to_contain_text(notice)
    page.context.set_offline(False)


# ---------------------------------------------------------------------------------------------
# A procedure in 简体中文 on a phone, with the keyboard


def test_bob_switches_to_chinese_in_the_header_and_accepts_an_image(open_console):
    page = open_console("bob", viewport=PHONE)
    page.goto("/ims/")
    page.locator("[data-topbar-toggle]").click()
    page.locator(".lang-menu summary").click()
    page.locator(".lang-menu button[value=zh-hans]").click()
    page.wait_for_url("**/ims/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("镜像服务")
    row = page.locator("#pending-table tr", has_text="ubuntu-22-web")
    checkbox = row.locator("input[type=checkbox]")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    accept = page.get_by_role("button", name="接受", exact=True)
    accept.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("已接受1个镜像。")
    expect(page.locator("#accepted-table")).to_contain_text("ubuntu-22-web")
    assert horizontal_overflow(page) == 0


def tab_to(page, target, presses=12):
    """Press Tab until `target` has the focus, as a keyboard user would."""
    for _ in range(presses):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def test_bob_accepts_a_full_ecs_image_in_chinese_on_a_phone_with_the_keyboard(open_console):
    page = open_console("bob", language="zh-hans", viewport=PHONE)
    page.goto("/ims/")
    checkbox = page.locator("#pending-table tr", has_text="full-ecs-app").locator("input")
    checkbox.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="接受", exact=True).focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#accept-dialog[open]")
    expect(dialog.get_by_role("heading")).to_have_text("接受整机镜像")
    vault = dialog.locator("input[name=vault]").first
    tab_to(page, vault)
    page.keyboard.press("Space")
    expect(vault).to_be_checked()
    ok = dialog.locator(".dialog-footer button[type=submit]")
    tab_to(page, ok)
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text(
        "已接受1个镜像。 备份已存储在vault-backup-200中。"
    )
    expect(page.locator("dialog[open]")).to_have_count(0)
    # Focus comes back once the swap after the close has settled, a task later.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement !== document.body"
    )
