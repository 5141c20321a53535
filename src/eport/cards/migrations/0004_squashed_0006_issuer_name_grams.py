"""综合查询 by holder name on PostgreSQL: a GIN index over the name's one- and two-character grams, led by
the issuing sub-centre (btree_gin). SQLite scans.

Chinese names are two or three characters, so a one- or two-character query has no trigram (pg_trgm could
not serve it: at 6M cards such a query scanned for seconds, docs/benchmarks.md). A query of one or two
characters is one gram; a longer one is all its two-character grams, and the LIKE beside it keeps exactly the
substring matches. With the sub-centre as the first column the bitmap holds only the sub-centre's matches
(at 6M cards: a two-character name in 深圳 57 -> 9 ms); the national centre's query uses the same index.

Squashes 0004 (a trigram index), 0005 (the gram index) and 0006 (led by the sub-centre), which built and
dropped each other's indexes before any deployment existed."""

from django.db import migrations

from eport.migration_ops import postgresql_only

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    """CREATE OR REPLACE FUNCTION eport_name_grams(t text) RETURNS text[]
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
         SELECT coalesce(array_agg(DISTINCT g), '{}'::text[]) FROM (
           SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) AS i
           UNION ALL
           SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i) grams
       $$""",
    "CREATE INDEX IF NOT EXISTS card_issuer_name_grams ON cards_card USING gin "
    '(issuer_id, eport_name_grams(UPPER("holder_name"::text)))',
    # Statistics of the indexed expression, so the planner knows a surname matches 5 % and a full name few.
    "ANALYZE cards_card",
]
DROP = [
    "DROP INDEX IF EXISTS card_issuer_name_grams",
    "DROP FUNCTION IF EXISTS eport_name_grams(text)",
]


class Migration(migrations.Migration):
    replaces = [
        ("cards", "0004_holder_name_trigram"),
        ("cards", "0005_holder_name_grams"),
        ("cards", "0006_issuer_name_grams"),
    ]
    dependencies = [("cards", "0003_card_card_state_known")]
    operations = [postgresql_only(CREATE, DROP)]
