"""`migrate`, refusing clearly a database made by the layout before one app per service."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

# Migrations only the earlier layout had: its apps depended on each other in a circle.
OLD_LAYOUT = {("console", "0002_initial"), ("ims", "0002_initial")}


class Command(MigrateCommand):
    """Django's migrate, after checking the database was made by this layout."""

    def handle(self, *args: Any, **options: Any) -> None:
        """Stop with instructions instead of a traceback on an old database."""
        connection = connections[options["database"]]
        recorder = MigrationRecorder(connection)
        if recorder.has_table() and OLD_LAYOUT & set(recorder.applied_migrations()):
            raise CommandError(
                "This database was created by an earlier version of the console, whose "
                "tables are arranged differently. Run `make clean` (it deletes var/, so the "
                "SQLite database and the demo world are recreated by the next `make run`), "
                "or point DATABASE_URL at a new PostgreSQL database."
            )
        super().handle(*args, **options)
