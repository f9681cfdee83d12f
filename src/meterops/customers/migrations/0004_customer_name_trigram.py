"""Pelanggan search by name on PostgreSQL: a trigram index on the upper-cased name, which the
search's ``name__icontains`` (``UPPER(name) LIKE UPPER('%…%')``) uses instead of reading every
customer of the user's units (issue #22: 401 ms at p95 for the UID user at 1,000,000 customers,
docs/BENCHMARKS.md). Built concurrently, so a populated database keeps serving while it builds;
SQLite has no such index and needs none at its size."""

from django.db import migrations

INDEX = "customers_cust_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON customers_customer"
        " USING gin (upper((name)::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False
    dependencies = [("customers", "0003_meter_vkrn")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
