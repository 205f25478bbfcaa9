"""`make run` from a terminal, as a person runs it: it serves, its task worker comes back when
killed, Ctrl-C stops everything with status 0, and a second start skips what is done."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Terminal:
    """`make run` in a pseudo-terminal, its output collected."""

    def __init__(self, port: int, env: dict[str, str]) -> None:
        # The installed environment is the one running these tests: make must not rebuild it.
        command = ["make", "-o", ".venv/.installed", "run", f"PORT={port}", f"PY={sys.executable}"]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.chdir(ROOT)
            os.execvpe("make", command, env)
        self.output = b""
        self.status: int | None = None

    def read(self, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.1))
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    break
        return self.text

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace")

    def wait_for(self, pattern: str, seconds: float) -> re.Match:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if match := re.search(pattern, self.read(0.2)):
                return match
        raise AssertionError(f"{pattern!r} not seen in:\n{self.text}")

    def ctrl_c(self, seconds: float = 30) -> int:
        os.write(self.fd, b"\x03")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                self.read(0.2)
                return self.status
        raise AssertionError(f"make run did not stop:\n{self.text}")

    def close(self) -> None:
        if self.status is None:
            # Still running after a failed assertion: end its whole session.
            for signum in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.pid, signum)
                except ProcessLookupError:
                    break
                time.sleep(1)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status


def wait_until_served(terminal: Terminal, url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        terminal.read(0.2)
        try:
            if get(url) == 200:
                return
        except OSError:
            pass
    raise AssertionError(f"{url} was not served:\n{terminal.text}")


def worker_pids(terminal: Terminal) -> set[int]:
    found = subprocess.run(
        ["pgrep", "-s", str(terminal.pid), "-f", "manage.py db_worker"],
        capture_output=True,
        text=True,
    )
    return {int(pid) for pid in found.stdout.split()}


@pytest.fixture
def run_env(tmp_path) -> dict[str, str]:
    # As from a terminal: not as a sub-make of `make test` (which would say "make[1]: …").
    make = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST")) and k not in make
    }
    return env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}", "TERM": "dumb"}


def test_make_run_serves_restarts_its_worker_and_stops_quietly(run_env):
    port = free_port()
    url = f"http://127.0.0.1:{port}/login/"

    first = Terminal(port, run_env)
    try:
        wait_until_served(first, url)
        first.wait_for("Starting worker", 60)
        (worker,) = worker_pids(first)
        os.kill(worker, signal.SIGKILL)
        first.wait_for(r"The task worker stopped \(killed by SIGKILL\); starting it again", 30)
        deadline = time.monotonic() + 60
        while not (worker_pids(first) - {worker}) and time.monotonic() < deadline:
            first.read(0.2)
        assert worker_pids(first) - {worker}, "a new worker was started"
        assert first.ctrl_c() == 0, first.text
    finally:
        first.close()
    assert "Seeding the demo world" in first.text
    assert "Error" not in first.text and "Traceback" not in first.text, first.text
    assert first.text.rstrip().endswith("Stopped."), first.text
    with pytest.raises(OSError):
        get(url)

    second = Terminal(port, run_env)
    try:
        wait_until_served(second, url)
        assert second.ctrl_c() == 0, second.text
    finally:
        second.close()
    # Migrated, seeded and collected already: the second start goes straight to serving.
    assert second.text.lstrip().startswith("Serving the console"), second.text
    assert "Error" not in second.text and "Traceback" not in second.text, second.text
