"""The platform InTouch exists from the first migration on."""

from django.db import migrations


def create_intouch(apps, schema_editor):
    Platform = apps.get_model("integrations", "Platform")
    Platform.objects.get_or_create(
        slug="intouch",
        defaults={"name": "InTouch", "adapter": "rest", "can_create_lead_sources": True},
    )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_initial")]
    operations = [migrations.RunPython(create_intouch, migrations.RunPython.noop)]
