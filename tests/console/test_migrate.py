"""A database made by the layout before one app per service gets a clear message."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("app", ["console", "ims"])
def test_migrate_refuses_an_old_layout_database_with_instructions(app):
    MigrationRecorder(connection).record_applied(app, "0002_initial")
    with pytest.raises(CommandError, match=r"make clean"):
        call_command("migrate", verbosity=0)


def test_migrate_runs_on_this_layouts_database():
    call_command("migrate", verbosity=0)
    applied = {app for app, _ in MigrationRecorder(connection).applied_migrations()}
    assert {"console", "audit", "kms", "vaults", "ims", "compute"} <= applied
