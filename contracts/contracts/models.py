"""The contract (合同) and the terms it fixes.

A contract is made from a live award once the evaluation domain lets the
project be contracted (``Project.contract_blocked_reason``).  Its terms are
copied at drafting time (the catalogue item's standard, the awarded price,
the project's budget), so later changes elsewhere never rewrite a contract.

States (DESIGN §4): ``draft → awaiting_signatures → active → completed``,
``active → terminated``, and ``awaiting_signatures → draft`` when a party
asks for changes (which voids the signatures given so far).  Nothing is
edited in place after signing: changes are ``Amendment`` rows, confirmed by
both parties like the contract, each with its own PDF.

Money is ``Decimal`` (CNY, two places); shares and weights are percentages
with two places.  The database keeps what it can check on one row: the sum
within the budget snapshot, weights that add up to 100 and respect the
residents' floor for the contract's level, an ordered term."""

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from wagtail.models import DraftStateMixin, RevisionMixin
from wagtail.search import index

from contracts.contracts import permissions
from marketplace.core.fsm import guard
from marketplace.organizations.models import private_storage

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
#: the residents' weight may not be lower than this (Nanjing), by contract level
RESIDENT_WEIGHT_FLOOR = {"community": Decimal("70"), "street": Decimal("50")}


# --- guards of the contract's transitions (pure functions of the rows) -------------------------------


def _live_document(contract, amendment=None):
    return contract.documents.filter(amendment=amendment, voided_at__isnull=True).order_by("-created_at").first()


def _signed_parties(document):
    if document is None:
        return set()
    return set(document.signatures.filter(voided_at__isnull=True).values_list("party", flat=True))


def terms_problem(contract):
    """What keeps the contract's terms from being sent for signature, or
    None: milestones (at least one; shares summing to exactly 100; due
    within the term; a single milestone at 100 when the kind pays once),
    the rubric summing to 100, 3 to 5 survey questions."""
    milestones = list(contract.milestones.all())
    if not milestones:
        return _("Add at least one milestone.")
    if sum((m.share for m in milestones), Decimal("0")) != Decimal("100"):
        return _("The milestones' payment shares must add up to exactly 100%.")
    if contract.kind.schedule == ContractKind.Schedule.FINAL and len(milestones) != 1:
        return _("This kind of contract pays once after the final evaluation: it has exactly one milestone at 100%.")
    if any(not (contract.starts_on <= m.due_on <= contract.ends_on) for m in milestones):
        return _("Every milestone must fall due within the contract's term.")
    criteria = list(contract.criteria.all())
    if sum((c.max_score for c in criteria), Decimal("0")) != Decimal("100"):
        return _("The maximum scores of the evaluation criteria must add up to 100.")
    if not 3 <= len(contract.survey_questions.all()) <= 5:
        return _("Give 3 to 5 survey questions.")
    return None


@guard(_("The contract's terms are incomplete."), code="terms")
def terms_complete(contract):
    return terms_problem(contract) is None


@guard(_("Both parties must sign the same document first."), code="not_signed")
def signed_by_both(contract):
    return _signed_parties(_live_document(contract)) >= {"purchaser", "organization"}


@guard(_("Every milestone must be accepted first."), code="milestones_open")
def milestones_done(contract):
    return not contract.milestones.exclude(state__in=("accepted", "paid")).exists()


@guard(_("Both parties must confirm the amendment first."), code="not_confirmed")
def amendment_confirmed_by_both(amendment):
    return _signed_parties(_live_document(amendment.contract, amendment)) >= {"purchaser", "organization"}


@guard(_("Only an amendment to an active contract can be proposed."), code="contract_not_active")
def amendment_contract_active(amendment):
    return amendment.contract.state == "active"


# --- guards of the evaluation steps (issue 15: the milestones domain's evaluation work) -------------
# Only the milestone's and the contract's own facts: the rules of the expert sheet and the survey
# (milestones domain, which this module may not import) are added by its ``can_*`` functions
# (contracts/milestones/permissions/evaluation.py) before its services take these transitions.


@guard(_("The contract is not in force."), code="contract_not_active")
def evaluated_contract_active(milestone):
    return milestone.contract.state == "active"


@guard(_("The milestone has no score yet."), code="not_scored")
def milestone_scored(milestone):
    return milestone.score is not None


@guard(
    _(
        "The score is below the pass mark: the milestone can be accepted only with a reason and a second "
        "officer's approval."
    ),
    code="below_pass_mark",
)
def passes_or_overridden(milestone):
    if milestone.score is None:
        return False
    if milestone.score >= milestone.contract.pass_mark:
        return True
    return bool(milestone.override_reason.strip()) and milestone.override_approved_by_id is not None


@guard(_("The contract's final score and grade are not computed yet."), code="not_graded")
def contract_graded(contract):
    return contract.final_score is not None and bool(contract.grade)


def officer_may(instance, user):
    """A procurement officer (the evaluation steps of milestones, completing a contract)."""
    from marketplace.core.permissions import is_officer

    return is_officer(user)


class ContractKind(models.Model):
    """A kind of contract (采购, 委托管理, 奖励, 补贴) as a configuration row,
    like purchase methods: the kind decides the shape of the payment
    schedule, and no code branches on the kind's code."""

    class Schedule(models.TextChoices):
        MILESTONES = "milestones", _("A share of the sum per accepted milestone")
        FINAL = "final", _("One payment after the final evaluation")
        COST_SHARE = "cost_share", _("A capped share of documented cost per milestone")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    schedule = models.CharField(_("payment schedule"), max_length=20, choices=Schedule.choices)
    cost_share_cap = models.DecimalField(
        _("cap on the share of documented cost (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("Only for the documented-cost schedule."),
    )
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("contract kind")
        verbose_name_plural = _("contract kinds")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(schedule="cost_share", cost_share_cap__gt=0)
                | (~Q(schedule="cost_share") & Q(cost_share_cap__isnull=True)),
                name="contractkind_cap_only_for_cost_share",
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The name in the reader's language (the English name when there is one)."""
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ContractClauses(index.Indexed, DraftStateMixin, RevisionMixin, models.Model):
    """The standard clause text that editors keep in the CMS (a Wagtail
    snippet with revisions).  A contract's PDF is built from the contract's
    data and one published revision of these clauses; the revision used is
    recorded on the contract's document."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.ForeignKey(
        ContractKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clauses",
        verbose_name=_("contract kind"),
        help_text=_("Blank: for every kind without clauses of its own."),
    )
    general = models.TextField(_("general clauses"), help_text=_("One clause per paragraph."))
    breach = models.TextField(_("breach clauses"), help_text=_("One clause per paragraph."))
    disputes = models.TextField(_("disputes"), blank=True)

    search_fields = [index.SearchField("name")]

    class Meta:
        verbose_name = _("contract clauses")
        verbose_name_plural = _("contract clauses")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Contract(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_SIGNATURES = "awaiting_signatures", _("Awaiting signatures")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        TERMINATED = "terminated", _("Terminated")

    class Level(models.TextChoices):
        COMMUNITY = "community", _("Community level")
        STREET = "street", _("Street level")

    class Grade(models.TextChoices):
        # The same letters as EntryStandard.Grade (marketplace.organizations).
        A = "A", _("Excellent (90 and above)")
        B = "B", _("Good (80 to 89)")
        C = "C", _("Pass (60 to 79)")
        D = "D", _("Fail (below 60)")

    number = models.CharField(_("contract number"), max_length=30, unique=True)
    project = models.ForeignKey("marketplace.Project", on_delete=models.PROTECT, related_name="contracts")
    award = models.OneToOneField("marketplace.Award", on_delete=models.PROTECT, related_name="contract")
    organization = models.ForeignKey(
        "marketplace.Organization", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("organization")
    )
    purchaser = models.CharField(_("purchaser (department or street)"), max_length=100)
    kind = models.ForeignKey(ContractKind, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("kind"))
    catalogue_item = models.ForeignKey(
        "marketplace.CatalogueItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("catalogue item")
    )
    # The catalogue item's service standard, copied when the contract was drafted.
    service_content = models.TextField(_("service content"))
    service_quality = models.TextField(_("quality requirements"), blank=True)
    service_outputs = models.TextField(_("expected outputs"), blank=True)
    quantity = models.CharField(_("quantity"), max_length=200)
    place = models.CharField(_("place of service"), max_length=200, blank=True)
    communities = models.ManyToManyField(
        "marketplace.Community", related_name="contracts", verbose_name=_("communities served")
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.COMMUNITY)
    amount = models.DecimalField(
        _("contract sum (CNY)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    budget = models.DecimalField(
        _("project budget (CNY)"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Copied from the project when the contract was drafted: the sum may not exceed it."),
    )
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"))
    term_justification = models.TextField(_("justification for a term over one year"), blank=True)
    # Evaluation terms (issue 15, 10-12).
    expert_weight = models.DecimalField(
        _("expert weight (%)"), max_digits=5, decimal_places=2, default=Decimal("30"), validators=PERCENT
    )
    resident_weight = models.DecimalField(
        _("resident satisfaction weight (%)"), max_digits=5, decimal_places=2, default=Decimal("70"), validators=PERCENT
    )
    pass_mark = models.DecimalField(
        _("pass mark"), max_digits=5, decimal_places=2, default=Decimal("60"), validators=PERCENT
    )
    full_payment_score = models.DecimalField(
        _("score for the full share"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=PERCENT,
        help_text=_("From the pass mark up to this score the share is scaled by score ÷ this score."),
    )
    min_responses = models.PositiveSmallIntegerField(
        _("minimum survey responses"), default=20, validators=[MinValueValidator(1)]
    )
    min_response_share = models.DecimalField(
        _("or this share of the survey links (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=PERCENT,
        help_text=_("A milestone can be scored once either minimum is reached."),
    )
    #: the kind's cap when the terms were written (a subsidy pays at most this share of the documented cost)
    cost_share_cap = models.DecimalField(
        _("cap on the share of documented cost (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    evaluation_terms = models.TextField(_("evaluation terms"), blank=True)
    breach_terms = models.TextField(_("breach terms"), blank=True)
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    version = models.PositiveSmallIntegerField(_("version in force"), default=1)
    drafted_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent for signature"), null=True, blank=True)
    changes_requested = models.TextField(_("changes asked for"), blank=True)
    activated_at = models.DateTimeField(_("signed by both parties"), null=True, blank=True)
    announcement_due = models.DateField(_("announcement due"), null=True, blank=True)
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for terminating"), blank=True)
    payable_at_termination = models.DecimalField(
        _("payable so far (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-pk"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=Q(amount__lte=F("budget")), name="contract_amount_within_budget"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_term_ordered"),
            models.CheckConstraint(
                condition=Q(expert_weight__gte=0, resident_weight__gte=0)
                & Q(expert_weight=Decimal("100") - F("resident_weight")),
                name="contract_weights_sum_to_100",
            ),
            models.CheckConstraint(
                condition=Q(level="community", resident_weight__gte=RESIDENT_WEIGHT_FLOOR["community"])
                | Q(level="street", resident_weight__gte=RESIDENT_WEIGHT_FLOOR["street"]),
                name="contract_resident_weight_floor",
            ),
            models.CheckConstraint(
                condition=Q(full_payment_score__gte=F("pass_mark")), name="contract_full_payment_above_pass"
            ),
            models.CheckConstraint(
                condition=Q(grade="") | Q(state="completed"), name="contract_grade_only_when_completed"
            ),
        ]

    def __str__(self):
        return self.number

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.AWAITING_SIGNATURES,
        conditions=[terms_complete],
        permission=permissions.may_send_for_signature,
    )
    def send_for_signature(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.AWAITING_SIGNATURES,
        target=State.DRAFT,
        permission=permissions.may_request_changes,
    )
    def request_changes(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.AWAITING_SIGNATURES,
        target=State.ACTIVE,
        conditions=[signed_by_both],
        permission=permissions.may_sign,
    )
    def activate(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.COMPLETED,
        conditions=[milestones_done, contract_graded],
        permission=officer_may,
    )
    def complete(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.ACTIVE, target=State.TERMINATED, permission=permissions.may_terminate)
    def terminate(self, *, by=None, reason=""):
        pass


# --- Milestone.submit_report (delivery, issue 15 point 7): its guards and actor rule -----------------


@guard(_("Reports are only for contracts in force (signed by both parties)."), code="contract_not_active")
def milestone_contract_active(milestone):
    return milestone.contract.state == "active"


@guard(_("Write the report first: a narrative and at least one service log entry."), code="report_incomplete")
def milestone_draft_complete(milestone):
    draft = milestone.reports.filter(submitted_at__isnull=True).order_by("-round").first()
    return draft is not None and bool(draft.narrative.strip()) and draft.log.exists()


def may_submit_report(milestone, user):
    """Members of the contract's organization (the same rule as
    ``contracts.milestones.permissions.delivery.can_write_report``)."""
    from marketplace.organizations.permissions import can_act_for

    return can_act_for(user, milestone.contract.organization)


class Milestone(FSMModelMixin, models.Model):
    """A milestone (节点): deliverables, a due date and a share of the sum.
    Its state follows delivery and evaluation; the payments work takes
    ``accepted → paid``.  The shares of a contract's milestones sum to
    exactly 100 (checked by the drafting service; on PostgreSQL also by a
    deferred constraint trigger, see the migration)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUBMITTED = "submitted", _("Report submitted")
        UNDER_EVALUATION = "under_evaluation", pgettext_lazy("milestone", "Under evaluation")
        ACCEPTED = "accepted", pgettext_lazy("milestone", "Accepted")
        REJECTED = "rejected", _("Rejected: to rectify")
        PAID = "paid", _("Paid")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    deliverables = models.TextField(_("deliverables"))
    due_on = models.DateField(_("report due"))
    share = models.DecimalField(
        _("payment share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    state = FSMField(_("status"), default=State.PENDING, choices=State.choices, protected=True)
    evaluation_due = models.DateField(_("evaluation due"), null=True, blank=True)
    rectification_due = models.DateField(_("rectification due"), null=True, blank=True)
    expert_score = models.DecimalField(_("expert score"), max_digits=5, decimal_places=2, null=True, blank=True)
    satisfaction_score = models.DecimalField(
        _("resident satisfaction score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("milestone score"), max_digits=5, decimal_places=2, null=True, blank=True)
    payable = models.DecimalField(_("payable amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    override_reason = models.TextField(_("reason for accepting below the pass mark"), blank=True)
    override_approved_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Reminders sent once per light change (issue 15, 8): the last colour announced.
    light_notified = models.CharField(_("last light announced"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["contract", "number"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="milestone_number_unique"),
            models.CheckConstraint(condition=Q(share__gt=0, share__lte=100), name="milestone_share_in_range"),
            models.CheckConstraint(
                condition=Q(payable__isnull=True) | Q(payable__gte=0), name="milestone_payable_not_negative"
            ),
        ]

    def __str__(self):
        # What a person picks from a list: "1. 中期".
        return f"{self.number}. {self.title}"

    @transition(
        field=state,
        source=[State.PENDING, State.REJECTED],
        target=State.SUBMITTED,
        conditions=[milestone_contract_active, milestone_draft_complete],
        permission=may_submit_report,
    )
    def submit_report(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.UNDER_EVALUATION,
        conditions=[evaluated_contract_active],
        permission=officer_may,
    )
    def start_evaluation(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.UNDER_EVALUATION,
        target=State.ACCEPTED,
        conditions=[evaluated_contract_active, milestone_scored, passes_or_overridden],
        permission=officer_may,
    )
    def accept(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.UNDER_EVALUATION,
        target=State.REJECTED,
        conditions=[evaluated_contract_active, milestone_scored],
        permission=officer_may,
    )
    def reject(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.PAID)
    def mark_paid(self, *, by=None, reason=""):
        pass


class EvaluationCriterion(models.Model):
    """One line of the contract's evaluation rubric; the maximum scores of a
    contract's criteria sum to 100."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("criterion"), max_length=200)
    max_score = models.DecimalField(
        _("maximum score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["contract", "order"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["contract", "order"], name="criterion_order_unique")]

    def __str__(self):
        return self.name


class SurveyQuestion(models.Model):
    """One of the 3 to 5 specific questions residents answer (1 to 5) about
    the contract's service, besides overall satisfaction."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="survey_questions")
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("question"), max_length=200)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["contract", "order"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["contract", "order"], name="surveyquestion_order_unique")]

    def __str__(self):
        return self.text


def contract_document_path(instance, filename):
    return f"contracts/{uuid.uuid4().hex}.pdf"


class Amendment(FSMModelMixin, models.Model):
    """A change to a signed contract (变更): what changes, why, confirmed by
    both parties like the signing.  Once in force the contract's version
    moves on; the earlier versions and their PDFs stay."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation")
        IN_FORCE = "in_force", _("In force")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Reason(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule: the service cannot be delivered on the agreed dates")
        SCOPE = "scope", _("Scope: residents' needs changed")
        FUNDS = "funds", _("Funds: the budget changed")
        FORCE_MAJEURE = "force_majeure", _("Force majeure")
        OTHER = "other", _("Other")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="amendments")
    number = models.PositiveSmallIntegerField(_("number"))
    version = models.PositiveSmallIntegerField(_("contract version it creates"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    explanation = models.TextField(_("explanation"))
    # What changes, as the drafting form's fields ({"ends_on": "2027-06-30",
    # "amount": "95000.00", "milestones": [{"number": 1, "due_on": ..., "share": ...}], ...}).
    changes = models.JSONField(_("changes"), default=dict)
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    proposed_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    in_force_at = models.DateTimeField(_("in force"), null=True, blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "number"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="amendment_number_unique")]

    def __str__(self):
        return f"{self.contract_id}/A{self.number}"

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.AWAITING_CONFIRMATION,
        conditions=[amendment_contract_active],
        permission=permissions.may_propose_amendment,
    )
    def send_for_confirmation(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.AWAITING_CONFIRMATION,
        target=State.IN_FORCE,
        conditions=[amendment_contract_active, amendment_confirmed_by_both],
        permission=permissions.may_confirm_amendment,
    )
    def put_in_force(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=[State.DRAFT, State.AWAITING_CONFIRMATION],
        target=State.WITHDRAWN,
        permission=permissions.may_withdraw_amendment,
    )
    def withdraw(self, *, by=None, reason=""):
        pass


class ContractDocument(models.Model):
    """One PDF of a contract, as sent for signature (or confirmation of an
    amendment): immutable once written; its SHA-256 is what each signature
    binds to.  A request for changes voids it and the next sending makes a
    new one."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents")
    amendment = models.ForeignKey(Amendment, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    version = models.PositiveSmallIntegerField(_("contract version"))
    file = models.FileField(_("file"), upload_to=contract_document_path, storage=private_storage, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    clauses_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        ordering = ["contract", "created_at"]
        default_permissions = ()

    def __str__(self):
        return f"{self.contract_id} v{self.version} {self.sha256[:12]}"


class Signature(models.Model):
    """A party's signature on one exact PDF (or its confirmation of an
    amendment's PDF), given after re-entering the password: who, for which
    side, when by the server clock, from where, and the digest signed."""

    class Party(models.TextChoices):
        PURCHASER = "purchaser", _("Purchaser")
        ORGANIZATION = "organization", _("Organization")

    #: the role a signature is given in, by side (``role`` keeps it as written, in the signer's language)
    ROLES = {
        Party.PURCHASER: _("Procurement officer"),
        Party.ORGANIZATION: _("Organization administrator"),
    }

    document = models.ForeignKey(ContractDocument, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    signer = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=50)
    organization = models.ForeignKey(
        "marketplace.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the signed PDF"), max_length=64)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.TextField(_("why voided"), blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["document", "signed_at"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["document", "party"], condition=Q(voided_at__isnull=True), name="signature_once_per_party"
            )
        ]

    def __str__(self):
        return f"{self.document_id}/{self.party}"

    @property
    def role_label(self):
        """The role in the reader's language (the stored ``role`` is the record, as signed)."""
        return self.ROLES.get(self.party, self.role)
