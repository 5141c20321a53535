"""综合查询 by holder name on PostgreSQL: a GIN index over the name's one- and two-character grams.

Chinese names are two or three characters, so a one- or two-character query has no trigram and the
pg_trgm index of 0004 could not serve it (at 6M cards such a query scanned for seconds: docs/benchmarks.md).
A query of one or two characters is then one gram; a longer one is all its two-character grams, and the
LIKE beside it keeps exactly the substring matches. Replaces the trigram index."""

from django.db import migrations

from eport.migration_ops import postgresql_only

CREATE = [
    """CREATE OR REPLACE FUNCTION eport_name_grams(t text) RETURNS text[]
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
         SELECT coalesce(array_agg(DISTINCT g), '{}'::text[]) FROM (
           SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) AS i
           UNION ALL
           SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i) grams
       $$""",
    'CREATE INDEX IF NOT EXISTS card_holder_name_grams ON cards_card USING gin '
    '(eport_name_grams(UPPER("holder_name"::text)))',
    "DROP INDEX IF EXISTS card_holder_name_trgm",
    # Statistics of the indexed expression, so the planner knows a surname matches 5 % and a full name few.
    "ANALYZE cards_card",
]
DROP = [
    "DROP INDEX IF EXISTS card_holder_name_grams",
    "DROP FUNCTION IF EXISTS eport_name_grams(text)",
    'CREATE INDEX IF NOT EXISTS card_holder_name_trgm ON cards_card USING gin (UPPER("holder_name"::text) gin_trgm_ops)',
]


class Migration(migrations.Migration):
    dependencies = [("cards", "0004_holder_name_trigram")]
    operations = [postgresql_only(CREATE, DROP)]
