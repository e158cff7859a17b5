"""The community demand list (需求清单): needs filed by community workers,
reports from residents (自报项目), the yearly community service fund."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from marketplace.core.money import format_cny
from marketplace.needs import permissions

DEFAULT_COMMUNITY_FUND = Decimal("200000.00")


class CommunityFund(models.Model):
    """A community's yearly service fund (default 200,000 CNY, from the seeds)."""

    community = models.ForeignKey(
        "marketplace.Community", on_delete=models.PROTECT, related_name="funds", verbose_name=_("community")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=DEFAULT_COMMUNITY_FUND,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("community fund")
        verbose_name_plural = _("community funds")
        ordering = ["-year", "community"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="community_fund_unique_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="community_fund_not_negative"),
        ]

    def __str__(self):
        return f"{self.community} {self.year}: {self.amount}"

    def clean(self):
        """A fund cannot drop below what accepted needs already committed:
        otherwise raise-accept-lower would get round the override rule."""
        if self.community_id is None or self.year is None or self.amount is None:
            return
        from marketplace.needs.selectors import fund_status

        committed = fund_status(self.community, self.year).committed
        if self.amount < committed:
            raise ValidationError(
                {
                    "amount": _("Accepted needs already commit ¥%(committed)s of this fund; it cannot be lower.")
                    % {"committed": format_cny(committed)}
                }
            )


class ResidentReport(FSMModelMixin, models.Model):
    """A need reported by a resident without an account.  The name and phone
    are personal data: only the community's workers see them."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        TRIAGED = "triaged", _("Turned into a need")
        DECLINED = "declined", _("Declined")

    community = models.ForeignKey(
        "marketplace.Community", on_delete=models.PROTECT, related_name="resident_reports", verbose_name=_("community")
    )
    title = models.CharField(_("what is needed"), max_length=200)
    description = models.TextField(_("details"))
    name = models.CharField(_("your name"), max_length=50)
    phone = models.CharField(_("your phone number"), max_length=20)
    state = FSMField(_("state"), default=State.NEW, choices=State.choices, protected=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    handled_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    # SHA-256 of the form token the report came with: unique, so a token is used once.
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("resident report")
        verbose_name_plural = _("resident reports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    # Handled once: from any other state the services say "handled already".
    @transition(field=state, source=State.NEW, target=State.TRIAGED, permission=permissions.may_handle_report)
    def triage(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.NEW, target=State.DECLINED, permission=permissions.may_handle_report)
    def decline(self, *, by=None, reason=""):
        pass


class Need(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ASSESSED = "assessed", _("Assessed")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        PLANNED = "planned", _("Planned")

    class Group(models.TextChoices):
        ELDERLY = "elderly", _("Elderly people")
        CHILDREN = "children", _("Children")
        YOUTH = "youth", _("Young people")
        DISABLED = "disabled", _("People with disabilities")
        FAMILIES = "families", _("Families in difficulty")
        RESIDENTS = "residents", _("All residents")
        OTHER = "other", _("Other")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SOON = "soon", _("Soon")
        URGENT = "urgent", _("Urgent")

    class Source(models.TextChoices):
        WORKER = "worker", _("Community")
        RESIDENT = "resident", _("Resident report")

    # What the community says when it files a need (forms and services share this).
    FILED_FIELDS = (
        "title",
        "catalogue_item",
        "other_description",
        "description",
        "beneficiaries_count",
        "beneficiary_group",
        "period_start",
        "period_end",
        "estimated_budget",
        "urgency",
    )

    community = models.ForeignKey(
        "marketplace.Community", on_delete=models.PROTECT, related_name="needs", verbose_name=_("community")
    )
    catalogue_item = models.ForeignKey(
        "marketplace.CatalogueItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("catalogue item"),
    )
    other_description = models.TextField(
        _("service not in the catalogue"),
        blank=True,
        help_text=_("Only if no catalogue item fits: describe the service."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    beneficiaries_count = models.PositiveIntegerField(_("number of beneficiaries"))
    beneficiary_group = models.CharField(_("beneficiary group"), max_length=12, choices=Group.choices)
    period_start = models.DateField(_("expected start"))
    period_end = models.DateField(_("expected end"))
    estimated_budget = models.DecimalField(
        _("estimated budget (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    state = FSMField(_("status"), default=State.SUBMITTED, choices=State.choices, protected=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.WORKER)
    resident_report = models.OneToOneField(
        ResidentReport, on_delete=models.PROTECT, null=True, blank=True, related_name="need"
    )
    filed_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)
    # assessment (需求评估)
    assessment = models.TextField(_("assessment (internal)"), blank=True)
    assessed_cost = models.DecimalField(
        _("assessed cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    assessed_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    public_answer = models.TextField(_("public answer"), blank=True)
    decided_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    fund_override_reason = models.TextField(_("reason for exceeding the fund"), blank=True)
    project = models.ForeignKey(
        "marketplace.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("purchase project"),
        help_text=_("The project that took the need up (the last one, if that was cancelled or failed)."),
    )

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(catalogue_item__isnull=False) | ~Q(other_description=""),
                name="need_item_or_other",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="need_period_ordered"),
            models.CheckConstraint(condition=Q(estimated_budget__gte=0), name="need_budget_not_negative"),
        ]
        indexes = [
            models.Index(fields=["community", "year", "state"], name="need_community_year_state"),
            # The public demand list (/needs/, issue 18): newest first, walked + LIMIT.
            models.Index(fields=["-created_at", "-id"], name="need_recent"),
        ]

    def __str__(self):
        return self.title

    @property
    def cost(self):
        """What the need is expected to cost the fund: the officer's assessed
        cost once there is one, else the community's estimate."""
        return self.assessed_cost if self.assessed_cost is not None else self.estimated_budget

    def clean(self):
        errors = {}
        if self.catalogue_item_id is None and not self.other_description.strip():
            errors["other_description"] = _("Choose a catalogue item, or describe the service if none fits.")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The end must not be before the start.")
        if errors:
            raise ValidationError(errors)

    @transition(field=state, source=State.SUBMITTED, target=State.ASSESSED, permission=permissions.may_assess)
    def assess(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.ASSESSED, target=State.ACCEPTED, permission=permissions.may_decide)
    def accept(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.ASSESSED, target=State.DECLINED, permission=permissions.may_decide)
    def decline(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.PLANNED, permission=permissions.may_plan)
    def plan(self, *, by=None, reason="", project=None):
        pass

    @transition(field=state, source=State.PLANNED, target=State.ACCEPTED, permission=permissions.may_plan)
    def release(self, *, by=None, reason=""):
        """The project that planned it was cancelled or failed."""
