"""What a first look at 1440 × 900 and 390 × 844, in both languages, must not find: lists
that scroll sideways or wrap a value into many lines, Chinese words broken inside, a cut-off
tab, a refused vault whose reason is off screen, ragged filters, a floating purchase bar,
misaligned Copy buttons, an unstyled access key form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from console.iam.models import AccessKey
from tests.e2e.conftest import login

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ["en", "zh-hans"]
LISTS = {
    "bob": [
        "/ims/",
        "/ims/public/",
        "/vaults/",
        "/ecs/",
        "/evs/",
        "/kms/",
        "/traces/",
        "/messages/",
    ],
    "alice": ["/ims/private/"],
}

# For each table: how far it scrolls sideways, and its cells that take more lines than
# allowed (one for a value; two for an OS name, a date and a row's actions; free text, such
# as a message, what it needs).
TABLE_REPORT = """() => {
  const lines = (cell) => {
    const bottoms = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.textContent.trim() || node.parentElement.closest("ul, .mono, .small")) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width > 0 && !bottoms.some((b) => Math.abs(b - r.bottom) < 6)) bottoms.push(r.bottom);
      }
    }
    return bottoms.length;
  };
  return Array.from(document.querySelectorAll("table.data")).map((table) => {
    const box = table.closest(".table-wrap") || table.parentElement;
    const tall = [];
    table.querySelectorAll("tbody td:not(.empty):not(.wrap)").forEach((cell) => {
      const free = cell.matches(".os, .when, .ops, .tags");
      const allowed = free ? 2 : 1;
      const n = lines(cell);
      const text = cell.innerText.replace(/\\s+/g, " ").slice(0, 40);
      if (n > allowed) tall.push(`${text} (${n} lines)`);
    });
    return {id: table.id, sideways: table.scrollWidth - box.clientWidth, tall};
  });
}"""


def open_as(browser, live_server, username, *, language="en", viewport=DESKTOP):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, username)
    # The language as the header switch leaves it: in the cookie, for the pages that follow.
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return page


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_fit_a_1440_window_with_values_on_one_line(
    browser, live_server, demo_world, language
):
    problems = []
    for username, paths in LISTS.items():
        page = open_as(browser, live_server, username, language=language)
        for path in paths:
            page.goto(path)
            for table in page.evaluate(TABLE_REPORT):
                if table["sideways"] > 0:
                    problems.append(f"{path} #{table['id']} scrolls {table['sideways']} px")
                problems += [f"{path} #{table['id']}: {cell}" for cell in table["tall"]]
        page.context.close()
    assert not problems, problems


def test_chinese_words_stay_whole_in_narrow_columns(browser, live_server, demo_world):
    page = open_as(browser, live_server, "alice", language="zh-hans")
    page.goto("/ims/private/")
    cell = page.locator("tr", has_text="big-analytics").locator("td", has_text="系统盘镜像")
    lines = page.evaluate(
        """(cell) => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.bottom))).size;
        }""",
        cell.element_handle(),
    )
    assert lines == 1, "系统盘镜像 is on one line"
    expect(page.locator("#region-select option:checked")).to_have_text("欧洲-德国")
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_the_active_tab_and_its_dot_are_in_view(
    browser, live_server, demo_world, language
):
    page = open_as(browser, live_server, "bob", language=language, viewport=PHONE)
    page.goto("/ims/")
    for element in (page.locator(".tabs .active"), page.locator(".tabs .active .red-dot")):
        box = element.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_the_filters_line_up(browser, live_server, demo_world, language):
    page = open_as(browser, live_server, "bob", language=language, viewport=PHONE)
    page.goto("/ims/")
    kind, name = page.locator("#id_type").bounding_box(), page.locator("#id_q").bounding_box()
    key, value = (
        page.locator("#id_tag_key").bounding_box(),
        page.locator("#id_tag_value").bounding_box(),
    )
    assert abs(kind["width"] - name["width"]) < 2 and abs(kind["x"] - name["x"]) < 2
    assert abs(key["y"] - value["y"]) < 2 and abs(key["width"] - value["width"]) < 2
    assert abs(key["x"] - kind["x"]) < 2
    assert abs((value["x"] + value["width"]) - (name["x"] + name["width"])) < 2
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_the_full_ecs_dialog_says_why_each_vault_is_refused(
    browser, live_server, demo_world, language
):
    page = open_as(browser, live_server, "bob", language=language, viewport=PHONE)
    page.goto("/ims/")
    page.locator("#pending-table tr", has_text="full-ecs-app").locator("input").check()
    page.locator("#banner .toolbar button").first.click()
    dialog = page.locator("dialog[open]")
    reasons = dialog.locator("td.vault-reason.reason")
    expect(reasons).to_have_count(3)
    for index in range(3):
        reason = reasons.nth(index)
        reason.scroll_into_view_if_needed()
        box = reason.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], box
        expect(reason).to_contain_text("IMG.01")
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_purchase_bar_sits_at_the_bottom_of_the_window(
    browser, live_server, demo_world, viewport
):
    page = open_as(browser, live_server, "bob", viewport=viewport)
    for path in ("/evs/create/", "/ecs/create/"):
        page.goto(path)
        bar = page.locator(".purchase-bar").bounding_box()
        assert abs(bar["y"] + bar["height"] - viewport["height"]) < 2, (path, bar)
    page.context.close()


def test_copy_is_one_button_beside_its_value(browser, live_server, demo_world):
    page = open_as(browser, live_server, "bob")
    page.goto("/credentials/")
    copy = page.locator("dd.with-copy .copy-btn")
    expect(copy).to_have_count(1)
    value, button = page.locator("[data-testid=account-id]").bounding_box(), copy.bounding_box()
    assert abs((value["y"] + value["height"] / 2) - (button["y"] + button["height"] / 2)) < 3
    every_copy_is_the_button = (
        "() => [...document.querySelectorAll('[data-copy]')].every(e => e.matches('.copy-btn'))"
    )
    assert page.evaluate(every_copy_is_the_button)
    page.goto("/vaults/")
    page.get_by_role("link", name="vault-backup-200").click()
    expect(page.locator("dd.with-copy button.copy-btn")).to_have_count(1)
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_access_key_is_created_once_and_its_secret_shown_once(
    browser, live_server, demo_world, language
):
    page = open_as(browser, live_server, "bob", language=language)
    page.goto("/iam/access-keys/")
    form = page.locator("#access-key-create")
    password = form.locator("input[name=password]")
    label = form.locator("label[for=id_password]")
    # A labelled row: the label left of its input, on the same line.
    assert abs(label.bounding_box()["y"] - password.bounding_box()["y"]) < 12
    assert label.bounding_box()["x"] + label.bounding_box()["width"] < password.bounding_box()["x"]
    password.fill("console-demo")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/access-keys/created/")
    expect(page.get_by_test_id("ak")).to_have_text(AccessKey.objects.get().access_key)
    secret = page.get_by_test_id("sk").inner_text()
    assert len(secret) == 40

    page.reload()

    page.wait_for_url("**/access-keys/")
    assert secret not in page.content()
    assert AccessKey.objects.count() == 1
    expect(page.locator("#access-key-table tbody tr")).to_have_count(1)
    if language == "zh-hans":
        expect(page.locator("#access-key-table")).to_contain_text("已启用")
        expect(page.locator("#access-key-table")).not_to_contain_text("Enabled")
    page.goto("/iam/access-keys/create/")
    page.wait_for_url("**/access-keys/")
    expect(page.locator("#access-key-create")).to_be_visible()
    page.context.close()
