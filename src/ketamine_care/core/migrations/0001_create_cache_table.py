"""Create the database cache table (CACHES, `db://` by default) wherever `migrate` runs: the
server, the demo and the test databases. `createcachetable` skips tables that exist and
backends that are not the database cache, so this is safe with any CACHE_URL. An operator who
switches CACHE_URL to `db://` later runs `ketamine-care createcachetable` once."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
