"""Issue 12, low findings: notifications leave through an outbox (the broker
carries ids only), purchase methods keep their floors (check constraints) and
change them with four eyes, resident-report form tokens are single-use."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def lift_to_floors(apps, schema_editor):
    """A method configured below a floor before the constraints existed is
    raised to the floor, so the constraints can be added."""
    PurchaseMethod = apps.get_model("marketplace", "PurchaseMethod")
    for method in PurchaseMethod.objects.all():
        changed = False
        if method.code in ("public_tender", "consultation"):
            days, bids = {"public_tender": (20, 3), "consultation": (10, 2)}[method.code]
            if method.period_unit != "calendar" or method.min_period < days:
                method.period_unit, method.min_period, changed = "calendar", max(method.min_period, days), True
            if method.min_valid_bids < bids or method.named_organization:
                method.min_valid_bids, method.named_organization, changed = (
                    max(method.min_valid_bids, bids),
                    False,
                    True,
                )
        elif method.named_organization:
            if not method.justification_required:
                method.justification_required, changed = True, True
            floor = 3 if method.period_unit == "working" else 5
            if method.min_period < floor:
                method.min_period, changed = floor, True
        else:
            if method.min_period < 10:
                method.min_period, changed = 10, True
            if method.min_valid_bids < 3:
                method.min_valid_bids, changed = 3, True
        if method.code == "single_source" and (method.period_unit != "working" or method.min_period < 5):
            method.period_unit, method.min_period, changed = "working", max(method.min_period, 5), True
        if changed:
            method.save()


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0010_audit_anchor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OutgoingMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("address", models.CharField(max_length=254, verbose_name="address")),
                ("subject", models.TextField(verbose_name="subject")),
                ("body", models.TextField(verbose_name="message")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="queued")),
            ],
            options={
                "verbose_name": "outgoing message",
                "verbose_name_plural": "outgoing messages",
                "ordering": ["pk"],
            },
        ),
        migrations.CreateModel(
            name="PurchaseMethodChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("proposed", models.JSONField(verbose_name="proposed values")),
                ("previous", models.JSONField(verbose_name="values when proposed")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for approval"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("proposed_at", models.DateTimeField(auto_now_add=True, verbose_name="proposed")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided")),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
            ],
            options={
                "verbose_name": "purchase method change",
                "verbose_name_plural": "purchase method changes",
                "ordering": ["-proposed_at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="residentreport",
            name="token_digest",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(lift_to_floors, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="purchasemethod",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("named_organization", True),
                    models.Q(
                        ("min_period__gte", 10),
                        models.Q(
                            ("min_valid_bids__gte", 3),
                            models.Q(("code", "consultation"), ("min_valid_bids__gte", 2)),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="purchase_method_open_call_floor",
            ),
        ),
        migrations.AddConstraint(
            model_name="purchasemethod",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("named_organization", False),
                    models.Q(
                        ("justification_required", True),
                        models.Q(
                            models.Q(("min_period__gte", 3), ("period_unit", "working")),
                            models.Q(("min_period__gte", 5), ("period_unit", "calendar")),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="purchase_method_named_floor",
            ),
        ),
        migrations.AddConstraint(
            model_name="purchasemethod",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("code", "public_tender"), _negated=True),
                    models.Q(
                        ("min_period__gte", 20),
                        ("min_valid_bids__gte", 3),
                        ("named_organization", False),
                        ("period_unit", "calendar"),
                    ),
                    _connector="OR",
                ),
                name="purchase_method_public_tender_floor",
            ),
        ),
        migrations.AddConstraint(
            model_name="purchasemethod",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("code", "consultation"), _negated=True),
                    models.Q(
                        ("min_period__gte", 10),
                        ("min_valid_bids__gte", 2),
                        ("named_organization", False),
                        ("period_unit", "calendar"),
                    ),
                    _connector="OR",
                ),
                name="purchase_method_consultation_floor",
            ),
        ),
        migrations.AddConstraint(
            model_name="purchasemethod",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("code", "single_source"), _negated=True),
                    models.Q(("min_period__gte", 5), ("period_unit", "working")),
                    _connector="OR",
                ),
                name="purchase_method_single_source_floor",
            ),
        ),
        migrations.AddField(
            model_name="purchasemethodchange",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by",
            ),
        ),
        migrations.AddField(
            model_name="purchasemethodchange",
            name="method",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="changes",
                to="marketplace.purchasemethod",
                verbose_name="purchase method",
            ),
        ),
        migrations.AddField(
            model_name="purchasemethodchange",
            name="proposed_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="proposed by",
            ),
        ),
        migrations.AddConstraint(
            model_name="purchasemethodchange",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "pending")), fields=("method",), name="purchase_method_one_pending_change"
            ),
        ),
        migrations.AddConstraint(
            model_name="purchasemethodchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("decided_by__isnull", True),
                    models.Q(("decided_by", models.F("proposed_by")), _negated=True),
                    _connector="OR",
                ),
                name="purchase_method_change_four_eyes",
            ),
        ),
        migrations.AddConstraint(
            model_name="purchasemethodchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decided_by__isnull", True), ("state", "pending")),
                    models.Q(models.Q(("state", "pending"), _negated=True), ("decided_by__isnull", False)),
                    _connector="OR",
                ),
                name="purchase_method_change_decided_by_someone",
            ),
        ),
    ]
