"""A trigram index for searching image names, on PostgreSQL only.

The lists search with `name__icontains`, which PostgreSQL runs as
`UPPER(name::text) LIKE UPPER('%…%')`: no B-tree helps a pattern that starts with a
wildcard, but a GIN trigram index on the same expression does. SQLite runs the same query
without it (both operations are no-ops there).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "ims_image_name_upper_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON ims_image "
            "USING gin ((UPPER(name::text)) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("ims", "0004_list_indexes")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
