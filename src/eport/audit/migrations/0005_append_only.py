from django.db import migrations, models

from eport.audit import triggers


def run(sql_for):
    def go(apps, schema_editor):
        for sql in sql_for(schema_editor.connection.vendor):
            schema_editor.execute(sql)
    return go


class Migration(migrations.Migration):
    """Every row has its place in the chain; from now on the database refuses UPDATE and DELETE."""

    dependencies = [("audit", "0004_chain_existing_rows")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.BigIntegerField(unique=True),
        ),
        migrations.RunPython(run(triggers.create_sql), run(triggers.drop_sql)),
    ]
