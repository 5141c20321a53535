"""综合查询 by holder name across a sub-centre: on PostgreSQL a pg_trgm GIN index serves
`holder_name__icontains` (UPPER(holder_name::text) LIKE UPPER(%s)); SQLite scans."""

from django.db import migrations

from eport.migration_ops import postgresql_only

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS card_holder_name_trgm ON cards_card USING gin (UPPER("holder_name"::text) gin_trgm_ops)',
]
DROP = ["DROP INDEX IF EXISTS card_holder_name_trgm"]


class Migration(migrations.Migration):
    dependencies = [("cards", "0003_card_card_state_known")]
    operations = [postgresql_only(CREATE, DROP)]
