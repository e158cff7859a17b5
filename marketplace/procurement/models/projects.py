"""Purchase projects (购买服务项目): the methods they may use, their scoring
rubric, documents, clarifications and addenda.

A project is drafted by one officer, approved (and so published) by another,
closed and opened at its deadline, then evaluated (a later issue), awarded and
contracted; it may be cancelled before award, or fail (流标) when too few
valid bids arrive.  The rules that differ between purchase methods live in
``PurchaseMethod`` rows, not in code branches.
"""

import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from marketplace.core.fsm import guard
from marketplace.core.workdays import DayCount
from marketplace.organizations.models import private_storage
from marketplace.procurement import permissions


class PurchaseMethod(models.Model):
    """A purchase method (采购方式) as configuration: every rule that differs
    between methods is a field here."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    min_period = models.PositiveSmallIntegerField(
        _("minimum bidding period"), help_text=_("From publication to the bid deadline.")
    )
    period_unit = models.CharField(_("counted in"), max_length=10, choices=DayCount.choices)
    min_valid_bids = models.PositiveSmallIntegerField(
        _("minimum valid bids"), default=1, validators=[MinValueValidator(1)]
    )
    committee_size = models.PositiveSmallIntegerField(
        _("evaluation committee size"), default=3, help_text=_("An odd number, at least 3.")
    )
    addendum_min_days = models.PositiveSmallIntegerField(
        _("minimum time between an addendum and the deadline"),
        default=15,
        help_text=_("An addendum issued closer to the deadline moves the deadline to keep this much time."),
    )
    addendum_unit = models.CharField(
        _("counted in"), max_length=10, choices=DayCount.choices, default=DayCount.CALENDAR
    )
    named_organization = models.BooleanField(
        _("addressed to one named organization"),
        default=False,
        help_text=_("Commission and single source: only the named organization may bid."),
    )
    justification_required = models.BooleanField(
        _("published justification required"),
        default=False,
        help_text=_("The call must explain why this method was chosen."),
    )
    budget_cap = models.DecimalField(
        _("budget cap per project (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    one_bid_per_organization = models.BooleanField(
        _("one project per organization and year"),
        default=False,
        help_text=_("An organization may bid on only one project of this method per year (公益创投)."),
    )
    intention_days = models.PositiveSmallIntegerField(
        _("days the purchase intention is public before the call"),
        default=30,
        help_text=_(
            "A call of this method is published only this many calendar days after its purchase "
            "intention (采购意向) was made public; 0: no intention needed."
        ),
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("purchase method")
        verbose_name_plural = _("purchase methods")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(committee_size__gte=3), name="purchase_method_committee_at_least_3"),
            models.CheckConstraint(condition=Q(min_valid_bids__gte=1), name="purchase_method_min_bids_positive"),
            # The floors no configuration goes below (see LEGAL_FLOORS / OPEN_CALL_FLOOR / NAMED_FLOOR).
            models.CheckConstraint(
                condition=Q(named_organization=True)
                | (Q(min_period__gte=10) & (Q(min_valid_bids__gte=3) | Q(code="consultation", min_valid_bids__gte=2))),
                name="purchase_method_open_call_floor",
            ),
            models.CheckConstraint(
                condition=Q(named_organization=False)
                | (
                    Q(justification_required=True)
                    & (Q(period_unit="working", min_period__gte=3) | Q(period_unit="calendar", min_period__gte=5))
                ),
                name="purchase_method_named_floor",
            ),
            models.CheckConstraint(
                condition=~Q(code="public_tender")
                | Q(named_organization=False, period_unit="calendar", min_period__gte=20, min_valid_bids__gte=3),
                name="purchase_method_public_tender_floor",
            ),
            models.CheckConstraint(
                condition=~Q(code="consultation")
                | Q(named_organization=False, period_unit="calendar", min_period__gte=10, min_valid_bids__gte=2),
                name="purchase_method_consultation_floor",
            ),
            models.CheckConstraint(
                condition=~Q(code="single_source") | Q(period_unit="working", min_period__gte=5),
                name="purchase_method_single_source_floor",
            ),
        ]

    def __str__(self):
        return self.label

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.committee_size is not None and (self.committee_size < 3 or self.committee_size % 2 == 0):
            errors["committee_size"] = _("The committee needs an odd number of members, at least 3.")
        errors.update(floor_errors(self))
        if errors:
            raise ValidationError(errors)
        refuse_change_during_open_calls(self, method=self)

    @property
    def label(self):
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


# (minimum bidding period in calendar days, minimum valid bids) the law sets:
# configuration may be stricter, never looser.  Competitive consultation may
# close with 2 valid bids for government purchase of services (财库〔2015〕124号).
LEGAL_FLOORS = {"public_tender": (20, 3), "consultation": (10, 2)}
# Single source: the choice is published for at least 5 working days.
SINGLE_SOURCE_FLOOR_WORKING_DAYS = 5
# Every other method open to all organizations: at least 10 days (the shortest
# legal open call) and 3 valid bids.
OPEN_CALL_FLOOR = (10, 3)
# A method addressed to one named organization (commission, single source):
# at least the commission floor of 3 working days (5 calendar days), a
# published justification, and 1 valid bid.
NAMED_FLOOR_WORKING_DAYS = 3
NAMED_FLOOR_CALENDAR_DAYS = 5


def floor_errors(method):
    """The floors ``method`` breaks, by field: the same rules as the
    database's check constraints, with messages for the form."""
    errors = {}
    period, unit, bids = method.min_period, method.period_unit, method.min_valid_bids
    if period is None or bids is None:
        return errors
    legal = LEGAL_FLOORS.get(method.code)
    if legal is not None:
        if method.named_organization:
            errors["named_organization"] = _("This method is open to every organization by law.")
        if period < legal[0] or unit != DayCount.CALENDAR:
            errors["min_period"] = _("The law sets at least %(days)s calendar days for this method.") % {
                "days": legal[0]
            }
        if bids < legal[1]:
            errors["min_valid_bids"] = _("The law sets at least %(count)s valid bids for this method.") % {
                "count": legal[1]
            }
        return errors
    if method.code == "single_source" and (unit != DayCount.WORKING or period < SINGLE_SOURCE_FLOOR_WORKING_DAYS):
        errors["min_period"] = _("A single source is published for at least %(days)s working days.") % {
            "days": SINGLE_SOURCE_FLOOR_WORKING_DAYS
        }
    if method.named_organization:
        if not method.justification_required:
            errors["justification_required"] = _(
                "A method addressed to one named organization must publish its justification."
            )
        if "min_period" not in errors and (
            (unit == DayCount.WORKING and period < NAMED_FLOOR_WORKING_DAYS)
            or (unit == DayCount.CALENDAR and period < NAMED_FLOOR_CALENDAR_DAYS)
        ):
            errors["min_period"] = _(
                "At least %(working)s working days (or %(calendar)s calendar days): the commission floor."
            ) % {"working": NAMED_FLOOR_WORKING_DAYS, "calendar": NAMED_FLOOR_CALENDAR_DAYS}
    else:
        if period < OPEN_CALL_FLOOR[0]:
            errors["min_period"] = _(
                "A call open to every organization runs at least %(days)s days before its deadline."
            ) % {"days": OPEN_CALL_FLOOR[0]}
        if bids < OPEN_CALL_FLOOR[1]:
            errors["min_valid_bids"] = _(
                "A call open to every organization needs at least %(count)s valid bids; only a method "
                "addressed to one named organization may go ahead with fewer."
            ) % {"count": OPEN_CALL_FLOOR[1]}
    return errors


def refuse_change_during_open_calls(instance, **lookup):
    """A method or an entry standard that a call awaiting approval or open for
    bids uses cannot change: the call's terms would change without an addendum."""
    from django.core.exceptions import ValidationError

    if instance.pk is None:
        return
    refs = list(
        Project.objects.filter(
            state__in=(Project.State.PENDING_APPROVAL, Project.State.PUBLISHED), **lookup
        ).values_list("ref", flat=True)[:5]
    )
    if refs:
        raise ValidationError(
            _("Used by calls awaiting approval or open for bids (%(refs)s): it can change once they close.")
            % {"refs": ", ".join(refs)}
        )


class PurchaseMethodChange(models.Model):
    """A proposed change to a purchase method's floors (four eyes): it takes
    effect only when a second procurement officer approves it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    method = models.ForeignKey(
        PurchaseMethod, on_delete=models.CASCADE, related_name="changes", verbose_name=_("purchase method")
    )
    proposed = models.JSONField(_("proposed values"))
    previous = models.JSONField(_("values when proposed"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    proposed_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "marketplace.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("purchase method change")
        verbose_name_plural = _("purchase method changes")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["method"], condition=Q(state="pending"), name="purchase_method_one_pending_change"
            ),
            # Four eyes, in the database too: the proposer never decides.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by")),
                name="purchase_method_change_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True)
                | (~Q(state="pending") & Q(decided_by__isnull=False)),
                name="purchase_method_change_decided_by_someone",
            ),
        ]

    def __str__(self):
        return f"{self.method} #{self.pk}"


class ProjectSequence(models.Model):
    """The last reference number handed out per year (SFQ-2026-0007)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


# --- the project's guards: pure functions of the project (``conditions``) ----------------------------


@guard(_("The deadline has passed: the bids are being opened. Cancel after the opening."), code="opening_due")
def not_awaiting_opening(project):
    """A published call whose deadline has passed is opened first, so
    cancelling cannot keep its bids sealed for ever.  The cancel service
    stamps the moment it took the project's lock (``cancel_clock``), so the
    check before and the one at the transition agree; without a stamp: now."""
    now = getattr(project, "cancel_clock", None) or timezone.now()
    return project.state != Project.State.PUBLISHED or now < project.deadline


def intention_published_at(project):
    """When the purchase intention that covers ``project`` was published: its
    own, or, for a re-tender, the original's (a re-tender buys what that
    intention announced and publishes none of its own); None if none."""
    seen = 0
    while project is not None and seen < 10:
        if project.intention_published_at is not None:
            return project.intention_published_at
        project, seen = project.retender_of, seen + 1
    return None


def intention_notice_ends(project):
    """When the project's call may be published at the earliest: its purchase
    intention's publication plus the method's ``intention_days``.  None when
    the method needs no intention or none was published."""
    days = project.method.intention_days
    published = intention_published_at(project)
    if not days or published is None:
        return None
    return published + datetime.timedelta(days=days)


@guard(
    _(
        "A call is published only once its purchase intention (采购意向) has been public for the method's notice "
        "period: publish the intention if it is not public yet, and approve the call once the period is over "
        "(the project's page gives the date)."
    ),
    code="intention_notice",
)
def intention_notice_over(project):
    """The call's purchase intention has been public for the method's
    ``intention_days`` (calendar days, by the server clock; the approving
    service stamps ``publish_clock`` inside its transaction)."""
    if not project.method.intention_days:
        return True
    ends = intention_notice_ends(project)
    if ends is None:
        return False
    now = getattr(project, "publish_clock", None) or timezone.now()
    return now >= ends


@guard(_("No contract may be made yet."), code="contract_blocked")
def contract_not_blocked(project):
    """The challenge period is over and no challenge is open (the evaluation
    domain's rule, handed in as ``Project.contract_blockers``)."""
    return project.contract_blocked_reason() is None


def project_document_path(instance, filename):
    import uuid

    return f"projects/{instance.project_id}/{uuid.uuid4().hex}"


# Project.PUBLIC_STATES as strings, for the public list's partial indexes (issue 18).
_PUBLIC_STATE_VALUES = ["published", "closed", "evaluating", "awarded", "contracted", "cancelled", "failed"]


class Project(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
        PUBLISHED = "published", _("Open for bids")
        CLOSED = "closed", _("Bids opened")
        EVALUATING = "evaluating", _("Under evaluation")
        AWARDED = "awarded", _("Awarded")
        CONTRACTED = "contracted", _("Contracted")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed (too few valid bids)")

    # States in which the project still holds (part of) the community funds.
    ACTIVE_STATES = (
        State.DRAFT,
        State.PENDING_APPROVAL,
        State.PUBLISHED,
        State.CLOSED,
        State.EVALUATING,
        State.AWARDED,
        State.CONTRACTED,
    )
    # States the public can see.
    PUBLIC_STATES = (
        State.PUBLISHED,
        State.CLOSED,
        State.EVALUATING,
        State.AWARDED,
        State.CONTRACTED,
        State.CANCELLED,
        State.FAILED,
    )
    EDITABLE_STATES = (State.DRAFT,)
    CANCELLABLE_STATES = (State.DRAFT, State.PENDING_APPROVAL, State.PUBLISHED, State.CLOSED, State.EVALUATING)

    ref = models.CharField(_("reference"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    purchaser = models.CharField(
        _("purchaser"), max_length=100, help_text=_("The district department or street that buys the service.")
    )
    catalogue_items = models.ManyToManyField(
        "marketplace.CatalogueItem", related_name="projects", verbose_name=_("catalogue items")
    )
    communities = models.ManyToManyField(
        "marketplace.Community", related_name="projects", verbose_name=_("communities served")
    )
    year = models.PositiveSmallIntegerField(_("fund year"), db_index=True)
    budget = models.DecimalField(
        _("budget (CNY)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    budget_override_reason = models.TextField(_("reason for exceeding the community funds"), blank=True)
    method = models.ForeignKey(
        PurchaseMethod, on_delete=models.PROTECT, related_name="projects", verbose_name=_("method")
    )
    named_organization = models.ForeignKey(
        "marketplace.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("named organization"),
    )
    justification = models.TextField(_("justification for the method"), blank=True)
    entry_standard = models.ForeignKey(
        "marketplace.EntryStandard", on_delete=models.PROTECT, related_name="projects", verbose_name=_("entry standard")
    )
    service_start = models.DateField(_("service starts"))
    service_end = models.DateField(_("service ends"))
    period_justification = models.TextField(_("justification for a service period over one year"), blank=True)
    deadline = models.DateTimeField(_("bid deadline"))
    min_valid_bids = models.PositiveSmallIntegerField(_("minimum valid bids"), validators=[MinValueValidator(1)])
    description = models.TextField(_("call text"), help_text=_("What is bought, for whom, and how bids are judged."))
    requirements = models.TextField(_("requirements"), blank=True)
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    revision = models.PositiveSmallIntegerField(_("addenda issued"), default=0)
    retender_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retenders",
        verbose_name=_("re-tender of"),
    )
    created_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The purchase intention (采购意向): what the project will buy, published
    # ahead of the call; a copy of the draft as it was then, so later edits of
    # the draft never rewrite a public announcement.
    intention_published_at = models.DateTimeField(_("purchase intention published"), null=True, blank=True)
    intention = models.JSONField(_("purchase intention as published"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("bids opened"), null=True, blank=True)
    returned_reason = models.TextField(_("reason for returning"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase project")
        verbose_name_plural = _("purchase projects")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="project_budget_positive"),
            models.CheckConstraint(
                condition=Q(service_end__gte=models.F("service_start")), name="project_period_ordered"
            ),
            models.CheckConstraint(condition=Q(min_valid_bids__gte=1), name="project_min_bids_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="project_state_deadline"),
            # The public list (/projects/, issue 18): each tab's first page is an index walk
            # + LIMIT, in the list's exact order.  The condition is the selectors' PUBLIC_Q
            # (PUBLIC_STATES, spelled out: Meta cannot read the class; a test compares them).
            models.Index(
                fields=["-published_at", "-id"],
                name="project_public_recent",
                condition=Q(state__in=_PUBLIC_STATE_VALUES, published_at__isnull=False),
            ),
            models.Index(
                fields=["state", "-published_at", "-id"],
                name="project_public_state_recent",
                condition=Q(state__in=_PUBLIC_STATE_VALUES, published_at__isnull=False),
            ),
            models.Index(
                fields=["deadline", "id"],
                name="project_open_deadline",
                condition=Q(state="published", published_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.ref} {self.title}"

    @property
    def is_sealed(self):
        """Bids stay sealed until they are opened."""
        return self.opened_at is None

    @transition(field=state, source=State.DRAFT, target=State.PENDING_APPROVAL, permission=permissions.may_submit)
    def submit_for_approval(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.PENDING_APPROVAL, target=State.DRAFT, permission=permissions.may_approve)
    def return_to_draft(self, *, by=None, reason=""):
        pass

    @transition(
        field=state,
        source=State.PENDING_APPROVAL,
        target=State.PUBLISHED,
        conditions=[intention_notice_over],
        permission=permissions.may_approve,
    )
    def publish(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.PUBLISHED, target=State.CLOSED)
    def close(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.CLOSED, target=State.FAILED)
    def fail(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.CLOSED, target=State.EVALUATING)
    def start_evaluation(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.EVALUATING, target=State.FAILED)
    def fail_in_evaluation(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.EVALUATING, target=State.AWARDED)
    def award(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.AWARDED, target=State.EVALUATING)
    def reopen_evaluation(self, *, by=None, reason=""):
        """An upheld challenge sends the project back to evaluation."""

    @transition(field=state, source=State.AWARDED, target=State.CANCELLED)
    def cancel_award(self, *, by=None, reason=""):
        """An upheld challenge cancels the award and the project."""

    @transition(
        field=state,
        source=State.AWARDED,
        target=State.CONTRACTED,
        conditions=[contract_not_blocked],
    )
    def contract(self, *, by=None, reason=""):
        pass

    # When an awarded project may be contracted is the evaluation domain's rule
    # (the challenge period, open challenges).  That domain sits above this one,
    # so MarketplaceConfig.ready() hands the rule in rather than this model
    # importing it.  With no rule handed in, nothing may be contracted.
    contract_blockers = ()

    def contract_blocked_reason(self, now=None):
        """Why no contract may be made yet (the challenge period runs or a
        challenge is open), or None."""
        if not self.contract_blockers:
            return _("No rule for contracting is installed.")
        for blocker in self.contract_blockers:
            reason = blocker(self, now=now)
            if reason:
                return reason
        return None

    @transition(
        field=state,
        source=list(CANCELLABLE_STATES),
        target=State.CANCELLED,
        conditions=[not_awaiting_opening],
        permission=permissions.may_cancel,
    )
    def cancel(self, *, by=None, reason=""):
        pass


class RubricCriterion(models.Model):
    """One line of the scoring rubric.  The weights of a project's criteria
    total exactly 100; one criterion is the price."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("criterion"), max_length=100)
    description = models.TextField(_("what earns the score"), blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    max_score = models.DecimalField(
        _("maximum score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    is_price = models.BooleanField(_("price criterion"), default=False)

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["project", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project"], condition=Q(is_price=True), name="rubric_one_price_criterion"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="rubric_weight_positive"),
        ]

    def __str__(self):
        return self.name


class ProjectDocument(models.Model):
    """A document of the call (招标文件, requirements).  Public once the
    project is published; served through a view, never by URL."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call document")
        REQUIREMENTS = "requirements", _("Requirements")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CALL)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(storage=private_storage, upload_to=project_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["project", "kind", "pk"]

    def __str__(self):
        return self.title


class Clarification(models.Model):
    """A question an eligible organization asked privately (答疑).  The
    answer is published on the call page without saying who asked."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="clarifications")
    organization = models.ForeignKey("marketplace.Organization", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["project", "asked_at", "pk"]

    def __str__(self):
        return self.question[:50]


class Addendum(models.Model):
    """An addendum (更正公告) that changes a published call."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="addenda")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("what changes"))
    old_deadline = models.DateTimeField(_("previous deadline"))
    new_deadline = models.DateTimeField(_("deadline"))
    extended = models.BooleanField(_("deadline moved by the rule"), default=False)
    issued_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="addendum_unique_number")]

    def __str__(self):
        return f"{self.project.ref} #{self.number}"
