"""`manage.py db_worker`: the database queue's worker, which first recovers what a dead one left."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands import db_worker

from ims.api.jobs import jobs_recover


class Command(db_worker.Command):
    """django-tasks-db's worker; batch member jobs its predecessor died running run again."""

    help = (
        "Run a database background worker, after queueing again the batch member jobs "
        "a worker died running"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        """Recover, then work as django-tasks-db's worker does."""
        for job in jobs_recover():
            self.stdout.write(f"Batch member job {job.job_id} was left running: {job.status}.")
        super().handle(*args, **options)
