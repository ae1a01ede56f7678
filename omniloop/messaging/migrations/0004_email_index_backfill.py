"""Index the e-mail addresses set before bounces could be reported by address (ADR 39)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from omniloop.core import crypto

    profile = apps.get_model("messaging", "MessagingProfile")
    rows = profile.objects.filter(email_cipher__isnull=False, email_index="")
    for p in rows.iterator(chunk_size=2000):
        address = crypto.decrypt(bytes(p.email_cipher), context=b"messaging.email")
        p.email_index = crypto.blind_index(address.strip().lower(), purpose="email")
        p.save(update_fields=["email_index"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_wechat_sub_and_email_feedback")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
