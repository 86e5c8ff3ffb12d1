"""Customer care finds an account by the last 7 digits of a phone number: number LIKE '%5550101' is served
by this trigram index (exact E.164 matches use phone_number_idx). Index-only, PostgreSQL only."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS phone_number_trgm ON prepaid_phonenumber USING gin (number gin_trgm_ops)",
            params=None,
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS phone_number_trgm", params=None)


class Migration(migrations.Migration):
    dependencies = [("prepaid", "0002_initial"), ("accounts", "0002_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
