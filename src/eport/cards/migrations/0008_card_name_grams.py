"""综合查询 by a one- or two-character holder name across a sub-centre or the country: a table of every
card's name grams with its issuer, b-tree ordered (gram, issuer, card id), kept by triggers on the card
table (PostgreSQL). A surname matches a few percent of a sub-centre's million cards: the GIN index of
0006 found them, but the newest 1,001 still cost 116-178 ms of heap reads and sorting; from this table
they are the first entries of one index range (docs/benchmarks.md). SQLite keeps the table empty.
The table is a model, so a flush (the tests) empties it with the cards."""

from django.db import migrations, models

from eport.migration_ops import postgresql_only

GRAMS = 'SELECT g, {row}.issuer_id, {row}.id FROM unnest(eport_name_grams(UPPER({row}.holder_name::text))) AS g'

CREATE = [
    f"""CREATE OR REPLACE FUNCTION eport_card_name_grams_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            DELETE FROM cards_cardnamegram
             WHERE gram = ANY(eport_name_grams(UPPER(OLD.holder_name::text)))
               AND issuer_id = OLD.issuer_id AND card_id = OLD.id;
          END IF;
          IF TG_OP <> 'DELETE' THEN
            INSERT INTO cards_cardnamegram (gram, issuer_id, card_id) {GRAMS.format(row="NEW")}
            ON CONFLICT DO NOTHING;
          END IF;
          RETURN NULL;
        END $$""",
    "CREATE TRIGGER card_name_grams_insert AFTER INSERT OR DELETE ON cards_card "
    "FOR EACH ROW EXECUTE FUNCTION eport_card_name_grams_sync()",
    "CREATE TRIGGER card_name_grams_update AFTER UPDATE OF holder_name, issuer_id ON cards_card FOR EACH ROW "
    "WHEN (OLD.holder_name IS DISTINCT FROM NEW.holder_name OR OLD.issuer_id IS DISTINCT FROM NEW.issuer_id) "
    "EXECUTE FUNCTION eport_card_name_grams_sync()",
    "INSERT INTO cards_cardnamegram (gram, issuer_id, card_id) SELECT g, c.issuer_id, c.id "
    "FROM cards_card AS c, unnest(eport_name_grams(UPPER(c.holder_name::text))) AS g",
    "ANALYZE cards_cardnamegram",
]
DROP = [
    "DROP TRIGGER IF EXISTS card_name_grams_update ON cards_card",
    "DROP TRIGGER IF EXISTS card_name_grams_insert ON cards_card",
    "DROP FUNCTION IF EXISTS eport_card_name_grams_sync()",
]


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0007_subsystem_filing'),
    ]

    operations = [
        migrations.CreateModel(
            name='CardNameGram',
            fields=[
                ('pk', models.CompositePrimaryKey('gram', 'issuer_id', 'card_id', blank=True, editable=False,
                                                  primary_key=True, serialize=False)),
                ('gram', models.CharField(max_length=2)),
                ('issuer_id', models.CharField(max_length=32)),
                ('card_id', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['gram', 'card_id'], name='card_name_gram_national')],
            },
        ),
        postgresql_only(CREATE, DROP),
    ]
