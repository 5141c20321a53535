"""Fuzzy enterprise-name search: on PostgreSQL a pg_trgm GIN index serves `name__icontains`
(Django renders it as UPPER(name::text) LIKE UPPER(%s)); SQLite scans, which is fine at its sizes."""

from django.db import migrations

from eport.migration_ops import postgresql_only

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS enterprise_name_trgm ON enterprises_enterprise USING gin (UPPER("name"::text) gin_trgm_ops)',
]
DROP = ["DROP INDEX IF EXISTS enterprise_name_trgm"]


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [postgresql_only(CREATE, DROP)]
