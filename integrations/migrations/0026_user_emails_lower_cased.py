"""Users' emails lower-cased, as create_user always stored them: login looks them up
lower-cased now (the admin's forms stored them as typed). One whose lower-cased email another
user already has is left as it is (support staff merge them by hand)."""

from django.db import migrations
from django.db.models.functions import Lower


def emails_lower_cased(apps, schema_editor):
    User = apps.get_model("integrations", "User")
    for user in User.objects.exclude(email=Lower("email")).only("pk", "email"):
        lowered = user.email.strip().lower()
        if not User.objects.filter(email=lowered).exists():
            User.objects.filter(pk=user.pk).update(email=lowered)


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0025_people_matching"),
    ]

    operations = [
        migrations.RunPython(emails_lower_cased, migrations.RunPython.noop, elidable=True),
    ]
