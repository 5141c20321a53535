"""Fuzzy enterprise-name search: on PostgreSQL a pg_trgm GIN index serves `name__icontains`
(Django renders it as UPPER(name::text) LIKE UPPER(%s)); SQLite scans, which is fine at its sizes."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS enterprise_name_trgm ON enterprises_enterprise USING gin (UPPER("name"::text) gin_trgm_ops)',
]
DROP = ["DROP INDEX IF EXISTS enterprise_name_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
