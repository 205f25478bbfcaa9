"""`make run`: prepare what is missing, then serve the console, the API and the task worker."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from console.demo import serve, world


class Command(BaseCommand):
    """Migrate, seed and collect only when needed; then gunicorn and db_worker, supervised."""

    help = "Serve the demo console with its task worker (what `make run` runs)."
    requires_system_checks = []

    def add_arguments(self, parser: Any) -> None:
        """--host, --port."""
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        """Serve until Ctrl-C (exit status 0) or until the web server fails (its status)."""
        with serve.Foreground():
            try:
                self.prepare()
            except KeyboardInterrupt:
                self.stdout.write("Stopped.")
                return
            status = self.supervise(host, port)
        if status:
            sys.exit(status)

    def prepare(self) -> None:
        """Only what is not done yet: migrations, the demo world, the static files."""
        if count := serve.pending_migrations():
            self.stdout.write(f"Applying {count} database migrations…")
            call_command("migrate", interactive=False, verbosity=0)
        if settings.DEMO and not world.present():
            self.stdout.write("Seeding the demo world…")
            world.seed()
        if serve.collect_static_if_changed():
            self.stdout.write("Collected the static files.")

    def supervise(self, host: str, port: int) -> int:
        """gunicorn and db_worker side by side until a signal."""
        connections.close_all()
        base = f"http://{host}:{port}"
        self.stdout.write(f"Serving the console on {base} (log in as bob / {world.PASSWORD})")
        self.stdout.write(f"API: identity {base}/api/iam/v3, images {base}/api/ims")
        self.stdout.write("Press Ctrl-C to stop.")
        root = settings.BASE_DIR
        supervisor = serve.Supervisor(
            web=[
                sys.executable, "-m", "gunicorn", "console.wsgi",
                "--config", str(root / "gunicorn.conf.py"), "--bind", f"{host}:{port}",
                "--access-logfile", "-", "--log-level", "warning",
            ],
            worker=[sys.executable, str(root / "manage.py"), "db_worker"],
        )  # fmt: skip
        serve.install_stop_handlers(supervisor.request_stop)
        status = supervisor.run()
        if not status:
            self.stdout.write("Stopped.")
        return status
