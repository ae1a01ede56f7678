from django.db import migrations


def install(apps, schema_editor):
    from omniloop.insights.ready_made import ready_made_segments

    Segment = apps.get_model("insights", "Segment")
    for spec in ready_made_segments():
        Segment.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "description": spec.get("description", ""),
                "rule": spec["rule"],
                "ready_made": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
