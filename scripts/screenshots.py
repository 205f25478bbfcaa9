"""Draw the README screenshots (static/img/docs/*.png) from a fresh demo console.

Run it with `make screenshots`. It seeds a throw-away SQLite database, serves the console on
a free local port, and photographs the main pages in English and 简体中文 at 1440 x 900 and
390 x 844 with Debian's Chromium. Chinese text needs a CJK font (fonts-wqy-microhei).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "img" / "docs"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _accept_full_ecs(page):
    page.locator("#pending-table tr", has_text="full-ecs-app").locator("input").check()
    page.locator("#banner .toolbar button").first.click()
    page.locator("dialog[open]").wait_for()


def _share(page):
    page.locator("tr[data-image='ubuntu-22-web'] input[type=checkbox]").check()
    page.get_by_test_id("share-selected").click()
    page.locator("dialog[open]").wait_for()


def _open_menu(page):
    page.locator("[data-topbar-toggle]").click()


# file name, user, language, viewport, path, what to do before the picture
SHOTS = [
    ("shared-images-en.png", "bob", "en", DESKTOP, "/ims/", None),
    ("shared-images-zh.png", "bob", "zh-hans", DESKTOP, "/ims/", None),
    ("accept-full-ecs-zh.png", "bob", "zh-hans", DESKTOP, "/ims/", _accept_full_ecs),
    ("share-image-en.png", "alice", "en", DESKTOP, "/ims/private/", _share),
    ("phone-menu-zh.png", "bob", "zh-hans", PHONE, "/ims/", _open_menu),
    ("phone-accept-en.png", "bob", "en", PHONE, "/ims/", _accept_full_ecs),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run(manage + command, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        manage + ["runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("The console did not start.")


def main() -> None:
    """Serve a demo console and photograph it."""
    if (
        not shutil.which("fc-list")
        or not subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True
        ).stdout.strip()
    ):
        print("warning: no CJK font installed; Chinese text will show as boxes", file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp}/screenshots.sqlite3"}
        port = _free_port()
        server = _serve(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"]
                )
                for name, user, language, viewport, path, prepare in SHOTS:
                    # Half scale keeps the PNGs small; the phone keeps more detail.
                    scale = 0.5 if viewport is DESKTOP else 0.75
                    context = browser.new_context(
                        base_url=base, viewport=viewport, device_scale_factor=scale
                    )
                    context.add_cookies(
                        [{"name": "django_language", "value": language, "url": base}]
                    )
                    page = context.new_page()
                    page.goto("/login/")
                    page.locator(f'form[data-persona="{user}"] button').click()
                    page.wait_for_url(lambda url: "/login/" not in url)
                    page.goto(path)
                    if prepare:
                        prepare(page)
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(OUT / name))
                    context.close()
                    print(f"wrote static/img/docs/{name}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
