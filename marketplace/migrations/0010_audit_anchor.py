"""Anchor the audit chain (issue 12, finding 5).

* Every event records how its hash was made: rows written before this
  migration keep ``hash_algorithm = "sha256"`` (plain SHA-256, as they were
  hashed); new rows are HMAC-SHA256 under the key named by ``key_id``.  One
  chain: the first keyed event covers the hash of the last plain one (see
  marketplace/core/models/audit.py).
* The chain head carries a keyed signature; the existing head is signed here
  with the configured key (AUDIT_HMAC_KEY, or the development key).
* The signed daily head (``AuditHeadPublication``), append-only.
* Append-only triggers: on SQLite for the events and the published heads
  (PostgreSQL has had the events' trigger since 0002; the heads get one here).
"""

from django.conf import settings
from django.db import migrations, models


def sign_existing_head(apps, schema_editor):
    from marketplace.core.audit_keys import hmac_hex

    head_model = apps.get_model("marketplace", "AuditChainHead")
    key_id = settings.AUDIT_HMAC_KEY_ID
    for head in head_model.objects.using(schema_editor.connection.alias).all():
        # Same message as AuditChainHead.signed_message().
        message = f"audit-chain-head\n{head.last_event_id or ''}\n{head.event_count}\n{head.last_hash}"
        head_model.objects.using(schema_editor.connection.alias).filter(pk=head.pk).update(
            key_id=key_id, signature=hmac_hex(key_id, message)
        )


def add_guards(apps, schema_editor):
    from marketplace.core import audit_guard

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(audit_guard.PG_HEAD_GUARD_SQL)
    elif schema_editor.connection.vendor == "sqlite":
        audit_guard.install_sqlite_guard(schema_editor.connection)


def drop_guards(apps, schema_editor):
    from marketplace.core import audit_guard

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(audit_guard.PG_DROP_HEAD_GUARD_SQL)
    elif schema_editor.connection.vendor == "sqlite":
        audit_guard.remove_sqlite_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0009_evaluation_award_challenge"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditHeadPublication",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True, verbose_name="day")),
                ("last_event_id", models.BigIntegerField(blank=True, null=True, verbose_name="last event")),
                ("last_hash", models.CharField(max_length=64, verbose_name="hash")),
                ("event_count", models.BigIntegerField(verbose_name="events")),
                ("key_id", models.CharField(max_length=32, verbose_name="key id")),
                ("signature", models.CharField(max_length=64, verbose_name="signature")),
                ("published_at", models.DateTimeField(verbose_name="published at")),
            ],
            options={
                "verbose_name": "published audit head",
                "verbose_name_plural": "published audit heads",
                "ordering": ["day"],
                "base_manager_name": "objects",
            },
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="signature",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        # Existing rows were hashed with plain SHA-256: they get "sha256";
        # rows written from now on default to the keyed hash.
        migrations.AddField(
            model_name="auditevent",
            name="hash_algorithm",
            field=models.CharField(default="sha256", max_length=20, verbose_name="hash algorithm"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash_algorithm",
            field=models.CharField(default="hmac-sha256", max_length=20, verbose_name="hash algorithm"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="key id"),
        ),
        migrations.RunPython(sign_existing_head, migrations.RunPython.noop),
        migrations.RunPython(add_guards, drop_guards),
    ]
