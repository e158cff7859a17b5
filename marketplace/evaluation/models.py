"""Evaluation (评审), award (中标/成交) and challenge (质疑).

After the opening an odd-sized committee is drawn from the evaluator pool
(or appointed by name, with a reason); every member declares, per bidder,
whether any relationship exists (回避) before seeing a bid; the officer
reviews each bid's qualification; members score the qualified bids on the
non-price criteria (the price score is computed); the chair generates the
evaluation report, which every member confirms with the password; the
officer awards the top-ranked bid; unsuccessful bidders may challenge
within the legal period, during which no contract can be made.

Who may take a step, and when, is ``marketplace.evaluation.permissions``
(the transitions below use its actor rules as their ``permission``); the
steps themselves are ``marketplace.evaluation.services.committee``,
``.scoring`` and ``.awards``; bid content is read through
``marketplace.procurement.selectors.bids``.

State machines: ``ScoreSheet`` (draft → submitted → draft) and ``Challenge``
(submitted → answered → upheld | dismissed) are django-fsm machines; every
transition writes its audit event (``marketplace.core.signals``).

Decision: ``Award`` and ``EvaluationReport`` get no state machine.  They have
no status field: an award is live until ``cancelled_at`` is set, a report is
current until ``superseded_at`` and confirmed at ``confirmed_at``; the
partial unique constraints (``award_one_live``, ``report_one_current``) rest
on those timestamps.  A status field would need a data migration (filling it
from the timestamps) and would duplicate them; the services audit each of
these steps explicitly (``award.made``, ``award.cancelled``,
``evaluationreport.generated/confirmed/complete/superseded``).

Decision: ``CommitteeMember.status`` (active → recused) stays a CharField.
Its one arrow is taken in one place (``services/committee.py: declare``, under
the committee's lock) and audited there as ``committee.member_recused`` with
the declaration's details; an ``FSMField`` would add an ``AlterField``
migration and a second, thinner audit event for the same step, for no rule
that is not already enforced.  Revisit if a member can ever return.
"""

import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from marketplace.evaluation import permissions
from marketplace.organizations.models import private_storage


class Evaluator(models.Model):
    """One entry of the evaluator pool: an expert (评审专家) or a
    third-party evaluation organization (第三方评估机构), acting through a
    user account with the evaluator role."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("Expert")
        THIRD_PARTY = "third_party", _("Third-party evaluation organization")

    user = models.OneToOneField(
        "marketplace.User", on_delete=models.PROTECT, related_name="evaluator_profile", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EXPERT)
    name = models.CharField(
        _("public name"), max_length=100, help_text=_("Published on result announcements as a committee member.")
    )
    affiliation = models.CharField(_("affiliation"), max_length=150, blank=True)
    expertise = models.ManyToManyField(
        "marketplace.ServiceCategory",
        related_name="evaluators",
        verbose_name=_("fields of expertise"),
        help_text=_("Major categories of the service catalogue."),
    )
    active = models.BooleanField(_("in the pool"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evaluator")
        verbose_name_plural = _("evaluators")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class Committee(models.Model):
    """The evaluation committee (评审委员会) of one project."""

    project = models.OneToOneField("marketplace.Project", on_delete=models.PROTECT, related_name="committee")
    size = models.PositiveSmallIntegerField(_("size"))
    expertise = models.ManyToManyField(
        "marketplace.ServiceCategory", related_name="+", verbose_name=_("expertise drawn from"), blank=True
    )
    deviation_margin = models.DecimalField(
        _("deviation margin (points out of 100)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("A member's score on a bid further than this from the others' mean is flagged for the chair."),
    )
    formed_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    formed_at = models.DateTimeField(_("formed"))
    qualification_done_at = models.DateTimeField(_("qualification review finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation committee")
        verbose_name_plural = _("evaluation committees")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=3), name="committee_size_at_least_3"),
        ]

    def __str__(self):
        return f"{self.project_id}"


class CommitteeMember(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Serving")
        RECUSED = "recused", _("Withdrawn for a conflict of interest")

    class Selection(models.TextChoices):
        DRAWN = "drawn", _("Drawn at random")
        APPOINTED = "appointed", _("Appointed by name")
        REPLACEMENT = "replacement", _("Drawn as a replacement")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    evaluator = models.ForeignKey(Evaluator, on_delete=models.PROTECT, related_name="memberships")
    is_chair = models.BooleanField(_("chair"), default=False)
    selection = models.CharField(_("how chosen"), max_length=20, choices=Selection.choices)
    appointment_reason = models.TextField(_("reason for the appointment"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(_("joined"))
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    recused_at = models.DateTimeField(_("withdrew"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "-is_chair", "joined_at", "pk"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["committee", "evaluator"], name="committee_member_once"),
            models.UniqueConstraint(
                fields=["committee"], condition=Q(is_chair=True, status="active"), name="committee_one_chair"
            ),
        ]

    def __str__(self):
        return f"{self.committee_id}/{self.evaluator_id}"

    @property
    def active(self):
        return self.status == self.Status.ACTIVE

    @property
    def may_read_bids(self):
        return self.active and self.declared_at is not None


class Declaration(models.Model):
    """A member's declaration about one bidder (回避声明)."""

    class Relationship(models.TextChoices):
        NONE = "none", _("No relationship")
        EMPLOYMENT = "employment", _("Employment (now or in the last 3 years)")
        MEMBERSHIP = "membership", _("Membership or office in the organization")
        FAMILY = "family", _("Family relationship with its leaders")
        FINANCIAL = "financial", _("Financial interest (in the last 3 years)")

    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="declarations")
    bid = models.ForeignKey("marketplace.Bid", on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    detail = models.TextField(_("details"), blank=True)
    declared_at = models.DateTimeField(_("declared"))

    class Meta:
        verbose_name = _("declaration of interests")
        verbose_name_plural = _("declarations of interests")
        ordering = ["member", "bid"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["member", "bid"], name="declaration_once_per_bidder")]

    def __str__(self):
        return f"{self.member_id}/{self.bid_id}: {self.relationship}"

    @property
    def conflict(self):
        return self.relationship != self.Relationship.NONE


class Qualification(models.Model):
    """The qualification review (资格审查) of one opened bid."""

    bid = models.OneToOneField("marketplace.Bid", on_delete=models.PROTECT, related_name="qualification")
    entry_passed = models.BooleanField(_("meets the entry standard"))
    entry_problems = models.JSONField(_("entry standard failures"), default=list, blank=True)
    manual_passed = models.BooleanField(_("meets the call's requirements"))
    passed = models.BooleanField(_("qualified"))
    reason = models.TextField(_("reasons"))
    decided_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("qualification review")
        verbose_name_plural = _("qualification reviews")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(passed=False) | Q(entry_passed=True, manual_passed=True), name="qualification_consistent"
            ),
        ]

    def __str__(self):
        return f"{self.bid_id}: {self.passed}"


class ScoreSheet(FSMModelMixin, models.Model):
    """One member's scores on one qualified bid."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Being scored")
        SUBMITTED = "submitted", _("Submitted (locked)")

    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="sheets")
    bid = models.ForeignKey("marketplace.Bid", on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    total = models.DecimalField(_("non-price total"), max_digits=7, decimal_places=2, null=True, blank=True)
    flagged = models.BooleanField(_("deviates from the others"), default=False)
    flag_confirmed_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    flag_confirmed_at = models.DateTimeField(_("deviation confirmed"), null=True, blank=True)
    flag_note = models.TextField(_("chair's note on the deviation"), blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["bid", "member"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["member", "bid"], name="score_sheet_once")]

    def __str__(self):
        return f"{self.member_id}/{self.bid_id}"

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        permission=permissions.sheet_member_may,
    )
    def submit(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.DRAFT,
        permission=permissions.sheet_chair_may,
    )
    def reopen(self, *, by=None, reason=""):
        """By the chair, or (``by=None`` in the service) when an upheld
        challenge sends the project back to evaluation."""


class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("marketplace.RubricCriterion", on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("score"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["sheet", "criterion__position", "criterion__pk"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(condition=Q(value__gte=0), name="score_not_negative"),
        ]

    def __str__(self):
        return f"{self.sheet_id}/{self.criterion_id}: {self.value}"


def report_path(instance, filename):
    return f"evaluation/{instance.project_id}/{uuid.uuid4().hex}.pdf"


class EvaluationReport(models.Model):
    """The evaluation report (评审报告): the frozen ranking and its PDF.  A
    reopened score sheet supersedes it; a new one is generated."""

    project = models.ForeignKey("marketplace.Project", on_delete=models.PROTECT, related_name="reports")
    number = models.PositiveSmallIntegerField()
    ranking = models.JSONField(default=list)  # rows of services.evaluation.rank(), as strings
    recommended_bid = models.ForeignKey(
        "marketplace.Bid", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pdf = models.FileField(storage=private_storage, upload_to=report_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    generated_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("generated"))
    confirmed_at = models.DateTimeField(_("confirmed by every member"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        ordering = ["project", "-number"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="report_unique_number"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(superseded_at__isnull=True), name="report_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.project_id} #{self.number}"

    def next_in_line(self):
        """The report's rows with, for each, whether it may be awarded now,
        and the bid to award: the first row whose bid is still qualified
        and has not declined (or None)."""
        bids = self.project.bids.in_bulk([row["bid"] for row in self.ranking])
        rows = []
        chosen = None
        for row in self.ranking:
            bid = bids.get(row["bid"])
            available = bid is not None and bid.state == bid.State.QUALIFIED and bid.declined_at is None
            if available and chosen is None:
                chosen = bid
            rows.append({**row, "bid_obj": bid, "available": available, "next": bid is chosen and available})
        return rows, chosen


class ReportConfirmation(models.Model):
    report = models.ForeignKey(EvaluationReport, on_delete=models.PROTECT, related_name="confirmations")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"))
    method = models.CharField(_("confirmed with"), max_length=20, default="password")

    class Meta:
        verbose_name = _("report confirmation")
        verbose_name_plural = _("report confirmations")
        ordering = ["report", "confirmed_at"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["report", "member"], name="report_confirmed_once")]

    def __str__(self):
        return f"{self.report_id}/{self.member_id}"


class Award(models.Model):
    """The award (中标/成交) of a project to one bid, with the committee's
    recommendation and, when it differs, the reason.  Cancelled, not
    deleted, when a challenge is upheld."""

    project = models.ForeignKey("marketplace.Project", on_delete=models.PROTECT, related_name="awards")
    bid = models.ForeignKey("marketplace.Bid", on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(EvaluationReport, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    recommended_bid = models.ForeignKey("marketplace.Bid", on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("price (CNY)"), max_digits=12, decimal_places=2)
    reason = models.TextField(_("reason for not awarding the recommended bid"), blank=True)
    awarded_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("awarded"))
    challenge_deadline = models.DateTimeField(_("challenges accepted until"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["project", "-awarded_at"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["project"], condition=Q(cancelled_at__isnull=True), name="award_one_live"),
        ]
        # The public results (/results/, issue 18): newest first, walked + LIMIT.
        indexes = [models.Index(fields=["-awarded_at", "-id"], name="award_recent")]

    def __str__(self):
        return f"{self.project_id} → {self.bid_id}"


class Challenge(FSMModelMixin, models.Model):
    """A challenge (质疑) by an unsuccessful bidder."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ANSWERED = "answered", _("Answered")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    OPEN_STATES = (State.SUBMITTED, State.ANSWERED)

    class Remedy(models.TextChoices):
        REEVALUATE = "reevaluate", _("Back to evaluation")
        CANCEL = "cancel", _("Cancel the award and the project")

    project = models.ForeignKey("marketplace.Project", on_delete=models.PROTECT, related_name="challenges")
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="challenges")
    bid = models.ForeignKey("marketplace.Bid", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("marketplace.Organization", on_delete=models.PROTECT, related_name="challenges")
    state = FSMField(_("status"), default=State.SUBMITTED, choices=State.choices, protected=True)
    reasons = models.TextField(_("grounds of the challenge"))
    filed_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"))
    answer_due = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    remedy = models.CharField(_("remedy"), max_length=20, choices=Remedy.choices, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    # What the public announcement of the decision (质疑处理结果) says about the
    # grounds: written by the deciding officer, with no name or personal data.
    public_summary = models.TextField(_("public summary of the grounds"), blank=True)
    decided_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["project", "filed_at"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["award", "organization"], name="challenge_once_per_award"),
        ]

    def __str__(self):
        return f"{self.project_id}/{self.organization_id}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.ANSWERED,
        permission=permissions.officer_may,
    )
    def mark_answered(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.ANSWERED,
        target=State.UPHELD,
        permission=permissions.officer_may,
    )
    def uphold(self, *, by=None, reason="", remedy=None):
        pass

    @transition(
        field=state,
        source=State.ANSWERED,
        target=State.DISMISSED,
        permission=permissions.officer_may,
    )
    def dismiss(self, *, by=None, reason=""):
        pass


def challenge_document_path(instance, filename):
    return f"challenges/{uuid.uuid4().hex}"


class ChallengeDocument(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(storage=private_storage, upload_to=challenge_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("challenge document")
        verbose_name_plural = _("challenge documents")
        ordering = ["challenge", "pk"]
        default_permissions = ()

    def __str__(self):
        return self.title
