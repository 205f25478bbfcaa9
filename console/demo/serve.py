"""`make run`: do only what is not done yet, then serve the console beside its task worker.

A second start skips the migrations when none is pending, the demo world when it is there
(changed or not: a running demo is kept as it is) and collectstatic while the static sources
are unchanged since the last collect. The web server and the worker then run under a small
supervisor that starts the worker again whenever it exits (it exits when its database
connection drops) and that Ctrl-C stops quietly: from a terminal, the supervisor takes the
terminal's foreground so that the interrupt reaches it alone (not make, which would report
"Error 130"), stops both processes in order and exits with status 0.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

DIGEST_FILE = "staticfiles.digest"
# The worker's own notice of the shutdown the supervisor asked for: said once, by the latter.
WORKER_SHUTDOWN_NOTICE = "shutting down gracefully"


def pending_migrations() -> int:
    """How many migrations the database lacks."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def static_digest() -> str:
    """A digest of every static source file collectstatic would copy: names and contents."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            # The first finder to list a path wins, as in collectstatic.
            found.setdefault(path, storage)
    for path in sorted(found):
        digest.update(path.encode() + b"\0")
        with found[path].open(path) as source:
            for chunk in iter(lambda s=source: s.read(1 << 16), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def collect_static_if_changed() -> bool:
    """Run collectstatic unless the sources are those of the last collect; say if it ran."""
    root = Path(settings.STATIC_ROOT)
    stamp = root.parent / DIGEST_FILE
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    digest = static_digest()
    collected = not manifest or (root / manifest).exists()
    if collected and stamp.exists() and stamp.read_text() == digest:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(digest)
    return True


def describe(status: int) -> str:
    """A child's exit status in words."""
    if status < 0:
        return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


class Supervisor:
    """Run the web server and the task worker; restart the worker; stop both on a signal."""

    def __init__(
        self,
        web: Sequence[str],
        worker: Sequence[str],
        *,
        out: IO[str] = sys.stdout,
        restart_delay: float = 1.0,
        max_restart_delay: float = 30.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self.web_command, self.worker_command = list(web), list(worker)
        self.out = out
        self.restart_delay, self.max_restart_delay = restart_delay, max_restart_delay
        self.stop_timeout = stop_timeout
        self.signals = 0
        self.worker_starts = 0
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self._selector = selectors.DefaultSelector()
        self._partial = b""

    def say(self, line: str) -> None:
        """One line of the supervisor's own."""
        print(line, file=self.out, flush=True)

    def request_stop(self, signum: int = signal.SIGTERM, frame: object = None) -> None:
        """A signal handler: the first signal stops gracefully, a second one at once."""
        self.signals += 1
        if self.signals > 1:
            for process in (self.web, self.worker):
                self._kill_group(process, signal.SIGKILL)

    def run(self) -> int:
        """Serve until a signal (status 0) or until the web server exits (its status)."""
        try:
            return self._serve()
        finally:
            # Whatever went wrong here, no child outlives the supervisor.
            for process in (self.web, self.worker):
                self._kill_group(process, signal.SIGKILL)

    def _serve(self) -> int:
        self.web = self._spawn(self.web_command)
        self._start_worker()
        quick_failures, restart_at, started = 0, None, time.monotonic()
        while not self.signals:
            self._forward_worker_output(timeout=0.2)
            if (status := self.web.poll()) is not None and not self.signals:
                self.say(f"The web server stopped ({describe(status)}).")
                self._stop()
                return status if status > 0 else 1
            if self.worker is not None and (status := self.worker.poll()) is not None:
                self._drop_worker()
                # A worker that keeps failing at once is retried less and less often.
                quick = time.monotonic() - started < 10
                quick_failures = quick_failures + 1 if quick else 0
                delay = min(
                    self.restart_delay * 2 ** max(quick_failures - 1, 0), self.max_restart_delay
                )
                self.say(
                    f"The task worker stopped ({describe(status)}); "
                    f"starting it again in {delay:g} s."
                )
                restart_at = time.monotonic() + delay
            if self.worker is None and restart_at is not None and time.monotonic() >= restart_at:
                self._start_worker()
                started, restart_at = time.monotonic(), None
        self._stop()
        return 0

    def _spawn(self, command: Sequence[str], **kwargs: object) -> subprocess.Popen:
        # A process group of its own: a terminal's Ctrl-C reaches the supervisor alone,
        # which stops the children in order.
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, process_group=0, **kwargs)

    def _start_worker(self) -> None:
        self.worker = self._spawn(
            self.worker_command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
        os.set_blocking(self.worker.stdout.fileno(), False)
        self._selector.register(self.worker.stdout, selectors.EVENT_READ)
        self.worker_starts += 1

    def _drop_worker(self) -> None:
        """Forget an exited worker, after copying what it wrote last."""
        self._forward_worker_output(timeout=0)
        self._selector.unregister(self.worker.stdout)
        self.worker.stdout.close()
        self.worker, self._partial = None, b""

    def _forward_worker_output(self, timeout: float) -> None:
        """Copy what the worker wrote to our output, line by line."""
        if self.worker is None:
            time.sleep(timeout)
            return
        for key, _events in self._selector.select(timeout):
            data = key.fileobj.read() or b""
            *lines, self._partial = (self._partial + data).split(b"\n")
            for line in lines:
                text = line.decode(errors="replace")
                if not (self.signals and WORKER_SHUTDOWN_NOTICE in text):
                    print(text, file=self.out, flush=True)

    def _stop(self) -> None:
        """SIGTERM to both (gunicorn finishes its requests, the worker its task), then wait."""
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for process in (self.web, self.worker):
            while process is not None and process.poll() is None:
                if time.monotonic() > deadline:
                    self._kill_group(process, signal.SIGKILL)
                self._forward_worker_output(timeout=0.05)
        self._forward_worker_output(timeout=0)

    @staticmethod
    def _kill_group(process: subprocess.Popen | None, signum: int) -> None:
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signum)


class Foreground:
    """Hold a terminal's foreground for this process's own group while in the block.

    Ctrl-C then interrupts this process alone: make, left in the group the shell put in the
    foreground, sees no signal and exits with this process's status. Without a terminal, or
    when started in the background, nothing changes.
    """

    def __init__(self, stream: IO[str] = sys.stdin) -> None:
        self.stream = stream
        self.previous: int | None = None

    def __enter__(self) -> Foreground:
        """Take the foreground if this process has it through its group."""
        try:
            fd = self.stream.fileno()
            if not os.isatty(fd) or os.tcgetpgrp(fd) != os.getpgrp():
                return self
            if os.getsid(0) == os.getpid():
                return self  # a session leader leads its group already
            previous = os.getpgrp()
            os.setpgid(0, 0)
            with _ignoring(signal.SIGTTOU):
                os.tcsetpgrp(fd, os.getpgrp())
        except (OSError, ValueError, AttributeError):
            return self
        self.previous = previous
        # Ctrl-Z would stop this group, which the shell does not know of: leave it running.
        signal.signal(signal.SIGTSTP, signal.SIG_IGN)
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Give the foreground back to the group that had it."""
        if self.previous is not None:
            with _ignoring(signal.SIGTTOU), contextlib.suppress(OSError):
                os.tcsetpgrp(self.stream.fileno(), self.previous)


@contextlib.contextmanager
def _ignoring(signum: int):
    previous = signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def install_stop_handlers(handler: Callable[[int, object], None]) -> None:
    """Ctrl-C, a terminal hang-up and SIGTERM all ask for a graceful stop."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handler)
