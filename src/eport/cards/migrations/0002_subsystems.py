from django.db import migrations

from eport.cards.subsystems import subsystems_seed


def seed(apps, schema_editor):
    subsystems_seed(apps.get_model("cards", "Subsystem"))


class Migration(migrations.Migration):
    dependencies = [("cards", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
