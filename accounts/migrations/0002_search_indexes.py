"""Indexes for customer care's account search (accounts/search.py). They serve the exact expressions the
queries compile to: `icontains` -> UPPER(col::text) LIKE '%..%' (trigram GIN on UPPER(col)), phone suffix
-> col LIKE '%1234567' (trigram GIN on the column), ZIP prefix -> col LIKE '75201%' (varchar_pattern_ops).
Index-only: the model state does not change. PostgreSQL only (the SQLite laptop demo has a few rows)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("account_name_upper_trgm", "accounts_account USING gin (UPPER(name) gin_trgm_ops)"),
    ("account_phone_trgm", "accounts_account USING gin (phone gin_trgm_ops)"),
    ("account_phone_idx", "accounts_account (phone)"),
    ("user_email_upper_trgm", "accounts_user USING gin (UPPER(email) gin_trgm_ops)"),
    ("address_zip_prefix_idx", "accounts_address (zip_code varchar_pattern_ops)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}", params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
