"""On PostgreSQL the database itself refuses UPDATE and DELETE of settlement ledger rows and rule
versions (ADR 19). The one way through is `purge.settlement_purge` (demo reset), which sets
`omniloop.settlement_purge` for its own transaction."""

from django.db import migrations

TABLES = (
    "settlement_settlementrule",
    "settlement_commissionrule",
    "settlement_ordersettlement",
    "settlement_settlementrefund",
    "settlement_settlemententry",
    "settlement_commissionentry",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION settlement_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('omniloop.settlement_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'settlement rows are append-only (% on % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)  # no parameters: the % in RAISE is PL/pgSQL's
        for table in TABLES:
            cursor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION settlement_append_only()"
            )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS settlement_append_only()")


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(_create, _drop)]
