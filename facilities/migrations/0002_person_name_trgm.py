"""Customer care searches by the incarcerated person's name with icontains, which compiles to
UPPER(name::text) LIKE '%..%': a trigram index on UPPER(name) serves it (person_name_upper_idx, a btree,
serves only equality and prefixes). Index-only, PostgreSQL only."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS person_name_upper_trgm ON facilities_incarceratedperson "
            "USING gin (UPPER(name) gin_trgm_ops)",
            params=None,
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_name_upper_trgm", params=None)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial"), ("accounts", "0002_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
