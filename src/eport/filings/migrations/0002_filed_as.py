from django.db import migrations, models

# What an authority holds of the enterprise (filings/changes.py FILED_AS_FIELDS, as of this migration).
FIELDS = ("name", "legal_rep_name", "address")


def filed_as_today(apps, schema_editor):
    # The filings made before this column: filed as the enterprise is now (nothing to follow yet).
    EnterpriseFiling = apps.get_model("filings", "EnterpriseFiling")
    for f in EnterpriseFiling.objects.select_related("enterprise").iterator():
        f.filed_as = {k: getattr(f.enterprise, k) or "" for k in FIELDS}
        f.save(update_fields=["filed_as"])


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="enterprisefiling", name="filed_as", field=models.JSONField(default=dict)
        ),
        migrations.AddField(
            model_name="enterprisefiling",
            name="changed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="变更时间"),
        ),
        migrations.RunPython(filed_as_today, migrations.RunPython.noop),
    ]
