"""The offer index's stamp and the triggers that set it (ADR 47)."""

from django.db import migrations, models

STAMP = "promotions_offerindexstamp"
# Every table the offer index is built from (promotions.offer_index._WATCHED_TABLES).
WATCHED = (
    "promotions_offer",
    "promotions_offer_products",
    "promotions_offer_categories",
    "promotions_offer_collections",
    "promotions_offer_stores",
    "catalog_collectionitem",
    "catalog_category",
)
OPS = ("INSERT", "UPDATE", "DELETE")


def _postgresql() -> tuple[list[str], list[str]]:
    forward = [
        "CREATE SEQUENCE promotions_offerindexstamp_seq",
        f"""CREATE FUNCTION promotions_offer_index_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {STAMP} (id, stamp) VALUES (1, nextval('promotions_offerindexstamp_seq'))
    ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END $$""",
        f"INSERT INTO {STAMP} (id, stamp) VALUES (1, nextval('promotions_offerindexstamp_seq'))",
    ]
    forward += [
        f"CREATE TRIGGER {t}_offer_index AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION promotions_offer_index_bump()"
        for t in WATCHED
    ]
    backward = [f"DROP TRIGGER IF EXISTS {t}_offer_index ON {t}" for t in WATCHED] + [
        "DROP FUNCTION IF EXISTS promotions_offer_index_bump()",
        "DROP SEQUENCE IF EXISTS promotions_offerindexstamp_seq",
    ]
    return forward, backward


def _sqlite() -> tuple[list[str], list[str]]:
    # SQLite has no sequences and no statement triggers: a random 64-bit value per row written.
    bump = f"INSERT OR REPLACE INTO {STAMP} (id, stamp) VALUES (1, random());"
    forward = [f"INSERT INTO {STAMP} (id, stamp) VALUES (1, random())"] + [
        f"CREATE TRIGGER {t}_offer_index_{op.lower()} AFTER {op} ON {t} BEGIN {bump} END"
        for t in WATCHED
        for op in OPS
    ]
    backward = [f"DROP TRIGGER IF EXISTS {t}_offer_index_{op.lower()}" for t in WATCHED for op in OPS]
    return forward, backward


def _run(schema_editor, direction: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    statements = (_postgresql() if vendor == "postgresql" else _sqlite())[direction]
    for sql in statements:
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor, 0)


def backwards(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0005_offer_segments"),
        ("catalog", "0003_product_brand_product_department"),
    ]

    operations = [
        migrations.CreateModel(
            name="OfferIndexStamp",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("stamp", models.BigIntegerField()),
            ],
            options={"db_table": "promotions_offerindexstamp"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
