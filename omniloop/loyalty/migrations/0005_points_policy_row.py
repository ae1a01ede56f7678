"""The points policy's one row exists from the start, so no sale creates it (ADR 42)."""

from django.db import migrations


def create_policy(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("loyalty", "PointsPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0004_debt_policy_earn_rules_tiers")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
