"""Delivery and its evaluation, milestone by milestone.

- ``MilestoneReport``: what the organization reports for a milestone (a
  narrative, a service log, evidence files); a rejected milestone gets a new
  report (rectification), the earlier ones stay.
- ``SupervisionRecord``: a community worker's visit (过程监管) to a contract
  serving their community; the organization may respond.  The residents'
  committee's opinion on a milestone is a ``CommitteeOpinion``.
- ``SurveyToken`` / ``SurveyResponse``: resident satisfaction (居民满意度).
  A token is a random one-time link; only its SHA-256 is stored.  A response
  keeps no link to its token, no name, phone or IP, and only the day.
- ``MilestoneEvaluation``: the expert or third-party evaluator assigned by
  the officer, who declares no conflict with the organization before seeing
  anything, then scores the contract's rubric with reasons and locks the
  sheet.
- ``AcceptanceRecord``: the milestone's evaluation report PDF (验收) with its
  SHA-256, written when the officer decides."""

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from contracts.milestones.permissions import evaluation as evaluation_rules
from marketplace.organizations.models import private_storage


def private_upload_path(instance, filename):
    return f"milestones/{uuid.uuid4().hex}"


class PrivateFile(models.Model):
    """A sniffed, size-limited upload kept outside the web root."""

    file = models.FileField(_("file"), upload_to=private_upload_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class MilestoneReport(models.Model):
    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="reports")
    round = models.PositiveSmallIntegerField(_("round"), default=1, help_text=_("2 and more: a rectification."))
    narrative = models.TextField(_("report"))
    #: a subsidy contract's documented cost of the milestone (the payment is capped at a share of it)
    documented_cost = models.DecimalField(
        _("documented cost (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("milestone report")
        verbose_name_plural = _("milestone reports")
        ordering = ["milestone", "round"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["milestone", "round"], name="milestonereport_round_unique")]

    def __str__(self):
        return f"{self.milestone_id} r{self.round}"


class ServiceLogEntry(models.Model):
    """One activity of the service log: when, where, for whom."""

    report = models.ForeignKey(MilestoneReport, on_delete=models.CASCADE, related_name="log")
    day = models.DateField(_("date"))
    community = models.ForeignKey(
        "marketplace.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    place = models.CharField(_("place"), max_length=200)
    activity = models.CharField(_("activity"), max_length=200)
    residents_served = models.PositiveIntegerField(_("residents served"))
    volunteers = models.PositiveIntegerField(_("resident volunteers taking part"), default=0)

    class Meta:
        verbose_name = _("service log entry")
        verbose_name_plural = _("service log entries")
        ordering = ["report", "day", "pk"]
        default_permissions = ()

    def __str__(self):
        return f"{self.day} {self.activity}"


class Evidence(PrivateFile):
    report = models.ForeignKey(MilestoneReport, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["report", "uploaded_at"]
        default_permissions = ()


class SupervisionRecord(models.Model):
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="supervision")
    milestone = models.ForeignKey(
        "contracts.Milestone", on_delete=models.PROTECT, null=True, blank=True, related_name="supervision"
    )
    community = models.ForeignKey("marketplace.Community", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("visit date"))
    observed = models.TextField(_("what was seen"))
    attendance = models.PositiveIntegerField(_("residents counted"))
    issues = models.TextField(_("issues found"), blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    response = models.TextField(_("the organization's response"), blank=True)
    responded_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision record")
        verbose_name_plural = _("supervision records")
        ordering = ["contract", "-visited_on", "-pk"]
        default_permissions = ()

    def __str__(self):
        return f"{self.contract_id} {self.visited_on}"


class SupervisionPhoto(PrivateFile):
    record = models.ForeignKey(SupervisionRecord, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        verbose_name = _("supervision photo")
        verbose_name_plural = _("supervision photos")
        ordering = ["record", "uploaded_at"]
        default_permissions = ()


class CommitteeOpinion(models.Model):
    """The residents' committee's opinion (居委会意见) on a milestone: part of
    its acceptance file."""

    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="opinions")
    community = models.ForeignKey("marketplace.Community", on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField(_("opinion"))
    satisfied = models.BooleanField(_("the committee is satisfied"))
    author = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("residents' committee opinion")
        verbose_name_plural = _("residents' committee opinions")
        ordering = ["milestone", "community"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["milestone", "community"], name="committeeopinion_once_per_community")
        ]

    def __str__(self):
        return f"{self.milestone_id}/{self.community_id}"


class SurveyToken(models.Model):
    """A one-time survey link.  The token itself is shown once (on the
    printable sheet) and never stored: only its SHA-256."""

    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="survey_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    batch = models.PositiveSmallIntegerField(_("batch"), default=1)
    created_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    used = models.BooleanField(_("answered"), default=False)

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")
        ordering = ["milestone", "pk"]
        default_permissions = ()

    def __str__(self):
        return f"{self.milestone_id}/{self.pk}"


class SurveyResponse(models.Model):
    """An anonymous answer: no token, no name, phone or IP; only the day."""

    class Moderation(models.TextChoices):
        NONE = "none", _("No comment")
        PENDING = "pending", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        REFUSED = "refused", _("Refused")

    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="survey_responses")
    answered_on = models.DateField(_("answered on"))
    overall = models.PositiveSmallIntegerField(
        _("overall satisfaction"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # {"<SurveyQuestion pk>": 1..5}
    answers = models.JSONField(_("answers"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    moderation = models.CharField(_("comment"), max_length=12, choices=Moderation.choices, default=Moderation.NONE)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["milestone", "pk"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=Q(overall__gte=1, overall__lte=5), name="surveyresponse_overall_1_to_5")
        ]

    def __str__(self):
        return f"{self.milestone_id}/{self.pk}"


class MilestoneEvaluation(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        DECLARED = "declared", _("No conflict declared")
        RECUSED = "recused", _("Recused: a conflict of interest")
        LOCKED = "locked", _("Scored and locked")

    class Relationship(models.TextChoices):
        # The same answers as a committee member's declaration (marketplace.evaluation).
        NONE = "none", _("No relationship")
        EMPLOYMENT = "employment", _("Employment (now or in the last 3 years)")
        MEMBERSHIP = "membership", _("Membership or office in the organization")
        FAMILY = "family", _("Family relationship with its leaders")
        FINANCIAL = "financial", _("Financial interest (in the last 3 years)")

    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="evaluations")
    report = models.ForeignKey(MilestoneReport, on_delete=models.PROTECT, related_name="evaluations")
    evaluator = models.ForeignKey("marketplace.Evaluator", on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("status"), default=State.ASSIGNED, choices=State.choices, protected=True)
    assigned_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"))
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices, blank=True)
    declaration_detail = models.TextField(_("details"), blank=True)
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    total = models.DecimalField(_("expert score"), max_digits=5, decimal_places=2, null=True, blank=True)
    opinion = models.TextField(_("overall opinion"), blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone evaluation")
        verbose_name_plural = _("milestone evaluations")
        ordering = ["milestone", "assigned_at"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["report"], condition=~Q(state="recused"), name="milestoneevaluation_one_live_per_report"
            )
        ]

    def __str__(self):
        return f"{self.milestone_id}/{self.evaluator_id}"

    @transition(field=state, source=State.ASSIGNED, target=State.DECLARED, permission=evaluation_rules.evaluator_may)
    def declare_no_conflict(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.ASSIGNED, target=State.RECUSED, permission=evaluation_rules.evaluator_may)
    def recuse(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.DECLARED,
        target=State.LOCKED,
        conditions=[evaluation_rules.sheet_complete],
        permission=evaluation_rules.evaluator_may,
    )
    def lock(self, *, by=None, reason=""):
        pass


class CriterionScore(models.Model):
    evaluation = models.ForeignKey(MilestoneEvaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("contracts.EvaluationCriterion", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["evaluation", "criterion__order"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="criterionscore_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="criterionscore_not_negative"),
        ]

    def __str__(self):
        return f"{self.evaluation_id}/{self.criterion_id}"


def acceptance_path(instance, filename):
    return f"acceptance/{uuid.uuid4().hex}.pdf"


class AcceptanceRecord(models.Model):
    """The milestone's evaluation report PDF, written when the officer
    decides: the expert sheet, the satisfaction counts, the supervision
    records and the decision."""

    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="acceptance_records")
    report = models.ForeignKey(MilestoneReport, on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField(_("accepted"))
    score = models.DecimalField(_("milestone score"), max_digits=5, decimal_places=2)
    responses = models.PositiveIntegerField(_("survey responses"))
    file = models.FileField(_("file"), upload_to=acceptance_path, storage=private_storage, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("acceptance record")
        verbose_name_plural = _("acceptance records")
        ordering = ["milestone", "created_at"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["report"], name="acceptancerecord_once_per_report")]

    def __str__(self):
        return f"{self.milestone_id} {self.sha256[:12]}"
