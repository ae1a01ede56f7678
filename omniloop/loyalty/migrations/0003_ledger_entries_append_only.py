"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger entries (ADR 13). The one
way through is `bulk.ledger_purge` (demo reset), which sets `omniloop.ledger_purge` for its own
transaction. SQLite has no such setting, so the guard there is the code and the tests."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION loyalty_ledger_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('omniloop.ledger_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'points ledger entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loyalty_ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON loyalty_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_entry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS loyalty_ledger_entry_append_only ON loyalty_ledgerentry;
DROP FUNCTION IF EXISTS loyalty_ledger_entry_append_only();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % in RAISE is PL/pgSQL's

    return run


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0002_points_ledger")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]
