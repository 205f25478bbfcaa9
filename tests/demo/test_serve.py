"""`make run`'s supervisor and its skipping of work already done (console/demo/serve.py)."""

from __future__ import annotations

import io
import sys
import threading
import time

import pytest

from console.demo import serve, world
from console.demo.management.commands import serve as command_module
from console.demo.management.commands.serve import Command as ServeCommand
from ims.models import Image

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def supervisor(web, worker, **options) -> tuple[serve.Supervisor, io.StringIO]:
    out = io.StringIO()
    return serve.Supervisor(web, worker, out=out, **options), out


def stop_after(sup: serve.Supervisor, seconds: float, times: int = 1) -> None:
    def stop() -> None:
        for _ in range(times):
            sup.request_stop()

    threading.Timer(seconds, stop).start()


def test_a_worker_that_exits_is_started_again():
    sup, out = supervisor(
        SLEEPER,
        [sys.executable, "-c", "print('worker up'); raise SystemExit(3)"],
        restart_delay=0.05,
        max_restart_delay=0.1,
    )
    stop_after(sup, 2.0)

    assert sup.run() == 0

    assert sup.worker_starts >= 3
    text = out.getvalue()
    assert text.count("worker up") >= 3, "the worker's output is passed on"
    assert "The task worker stopped (exit status 3); starting it again in 0.05 s." in text
    assert sup.web.poll() is not None, "the web server was stopped too"


def test_a_killed_worker_is_named_by_its_signal_and_restarted():
    sup, out = supervisor(SLEEPER, SLEEPER, restart_delay=0.05)
    threading.Timer(0.5, lambda: sup.worker.kill()).start()
    stop_after(sup, 1.5)

    assert sup.run() == 0

    assert "The task worker stopped (killed by SIGKILL); starting it again" in out.getvalue()
    assert sup.worker_starts == 2
    assert sup.worker.poll() is not None


def test_the_web_servers_failure_stops_the_worker_and_is_the_status():
    sup, out = supervisor([sys.executable, "-c", "raise SystemExit(4)"], SLEEPER)

    assert sup.run() == 4

    assert "The web server stopped (exit status 4)." in out.getvalue()
    assert sup.worker.poll() is not None


def test_a_second_signal_stops_at_once():
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
    ]
    sup, _ = supervisor(stubborn, SLEEPER, stop_timeout=60)
    stop_after(sup, 1.0, times=2)
    started = time.monotonic()

    assert sup.run() == 0

    assert time.monotonic() - started < 15
    assert sup.web.poll() is not None


def test_the_workers_own_shutdown_notice_is_not_repeated():
    chatty = [
        sys.executable,
        "-c",
        "import signal, sys, time\n"
        "def bye(*a):\n"
        "    print('Received Terminated - shutting down gracefully...', flush=True)\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n",
    ]
    sup, out = supervisor(SLEEPER, chatty)
    stop_after(sup, 1.5)

    assert sup.run() == 0

    assert "ready" in out.getvalue()
    assert "shutting down" not in out.getvalue()


@pytest.fixture
def static_sources(settings, tmp_path):
    sources = tmp_path / "static"
    sources.mkdir()
    (sources / "site.css").write_text("body { color: black; }")
    settings.STATICFILES_DIRS = [sources]
    # The project's own sources only: the apps' (Django admin's) would make each collect slow.
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "var" / "staticfiles"
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    }
    return sources


def test_static_files_are_collected_only_when_their_sources_change(static_sources, settings):
    assert serve.collect_static_if_changed()
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    assert manifest.exists()

    assert not serve.collect_static_if_changed(), "unchanged sources are not collected again"

    (static_sources / "site.css").write_text("body { color: red; }")
    assert serve.collect_static_if_changed(), "a changed file"
    assert not serve.collect_static_if_changed()

    (static_sources / "new.js").write_text("void 0;")
    assert serve.collect_static_if_changed(), "a new file"

    (static_sources / "new.js").unlink()
    assert serve.collect_static_if_changed(), "a removed file"

    manifest.unlink()
    assert serve.collect_static_if_changed(), "a collect that was deleted"


def prepare() -> str:
    out = io.StringIO()
    ServeCommand(stdout=out).prepare()
    return out.getvalue()


@pytest.mark.django_db
def test_prepare_does_only_what_is_missing(static_sources, monkeypatch):
    assert not world.present()

    assert prepare() == "Seeding the demo world…\nCollected the static files.\n"
    assert world.present()

    ran = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(command_module, "call_command", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(world, "seed", lambda: ran.append("seed"))
    assert prepare() == ""
    assert ran == []
    assert serve.pending_migrations() == 0


@pytest.mark.django_db
def test_prepare_keeps_a_changed_demo_world_as_it_is(static_sources):
    prepare()
    Image.objects.filter(name="ubuntu-22-web").delete()

    prepare()

    assert not Image.objects.filter(name="ubuntu-22-web").exists()


@pytest.mark.django_db
def test_prepare_seeds_nothing_where_demo_is_off(static_sources, settings):
    settings.DEMO = False
    prepare()
    assert not world.present()
