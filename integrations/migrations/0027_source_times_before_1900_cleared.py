"""Source change times before 1900 are cleared (NULL: no time known, so the next change is
applied, as it was after such a placeholder). The partner API and fetching take none now
(records/values.EARLIEST_CHANGE_YEAR); before, 0001-01-01T00:00:00+14:00 was stored on
PostgreSQL as a BC date that no read of the record could load (a 500 on every GET, batch and
admin list that met it)."""

import datetime as dt

from django.db import migrations

EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def source_times_cleared(apps, schema_editor):
    for model in ("Prospect", "Member", "Change"):
        rows = apps.get_model("integrations", model).objects
        rows.filter(source_updated_at__lt=EARLIEST).update(source_updated_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0026_user_emails_lower_cased"),
    ]

    operations = [
        migrations.RunPython(source_times_cleared, migrations.RunPython.noop, elidable=True),
    ]
