"""Notifications as message types: a queued message knows its channel (an
e-mail, or a text message through ``core/sms.py``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0011_security_fixes"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoingmessage",
            name="channel",
            field=models.CharField(
                choices=[("email", "e-mail"), ("sms", "text message")],
                default="email",
                max_length=10,
                verbose_name="channel",
            ),
        ),
    ]
