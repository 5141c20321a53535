"""Shared migration operations."""

from django.db import migrations


def postgresql_only(create: list[str], drop: list[str]) -> migrations.RunPython:
    """SQL that only PostgreSQL has (pg_trgm indexes for fuzzy names); a no-op on SQLite, which scans."""

    def run(statements):
        def go(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql)

        return go

    return migrations.RunPython(run(create), run(drop))
