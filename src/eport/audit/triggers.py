"""Triggers by which the database itself refuses UPDATE and DELETE on the append-only audit tables.

Created by migration audit.0005; the SQL lives here because the test suite needs it too (tests/conftest.py).
They stop an application bug, a stray admin query or a careless script; someone who may drop triggers
can still rewrite rows, and that is what the hash chain and the signed checkpoints then reveal.
"""

TABLES = ("audit_auditevent", "audit_auditcheckpoint")
MESSAGE = "audit rows are append-only"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION eport_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- (concatenated, not placeholders: the statement also goes through Python parameter formatting)
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = '{MESSAGE}: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused';
END $$;
"""


def create_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [PG_FUNCTION] + [
            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            f"FOR EACH ROW EXECUTE FUNCTION eport_audit_append_only()"
            for t in TABLES
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {op} on {t} refused'); END"
            for t in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    return []


def drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in TABLES] + [
            "DROP FUNCTION IF EXISTS eport_audit_append_only()"
        ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {t}_no_{op.lower()}" for t in TABLES for op in ("UPDATE", "DELETE")]
    return []
