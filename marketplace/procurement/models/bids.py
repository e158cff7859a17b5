"""Sealed bids (投标/响应).

A ``Bid`` is one organization's working copy for one project, edited as a
draft; every submission freezes a ``BidVersion`` (the content, the digests of
its documents, the server time and a SHA-256 digest over a canonical form).
Only the last submitted version counts.

Nothing here may be read directly by a view, a task, an admin or an export:
every read goes through ``marketplace.procurement.selectors.bids``, which keeps bids
sealed until they are opened.  None of these models is registered with the
Django or Wagtail admin.
"""

import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from marketplace.core.fsm import guard
from marketplace.organizations.models import private_storage
from marketplace.procurement import permissions


def bid_document_path(instance, filename):
    return f"bids/{uuid.uuid4().hex}"


@guard(_("This call is not open for bids."), code="call_not_open")
def call_open(bid):
    """The bid's call is published and its deadline (server clock) had not
    passed when the submission reached the server: the submit service stamps
    that moment on the bid (``submission_clock``) under the project's lock, so
    the checks before and at the transition agree however long the step
    takes.  Without a stamp: now."""
    return permissions.call_is_open(bid.project, getattr(bid, "submission_clock", None))


class Bid(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        OPENED = "opened", pgettext_lazy("bid state", "Opened")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Disqualified")
        AWARDED = "awarded", _("Awarded")
        NOT_AWARDED = "not_awarded", _("Not awarded")

    project = models.ForeignKey("marketplace.Project", on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey("marketplace.Organization", on_delete=models.PROTECT, related_name="bids")
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    # The working copy (a draft, or changes not yet re-submitted).
    price = models.DecimalField(
        _("price (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    responses = models.JSONField(_("responses to the criteria"), default=dict, blank=True)
    team = models.TextField(_("team"), blank=True)
    experience = models.TextField(_("experience"), blank=True)
    current_version = models.ForeignKey(
        "marketplace.BidVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    declined_at = models.DateTimeField(_("declined the award"), null=True, blank=True)
    decline_reason = models.TextField(_("reason given for declining"), blank=True)
    needs_confirmation = models.BooleanField(_("must be confirmed again after an addendum"), default=False)
    created_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["project", "pk"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["project", "organization"], name="bid_one_per_organization"),
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gt=0), name="bid_price_positive"),
        ]

    def __str__(self):
        return f"{self.project_id}/{self.organization_id}"

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED, State.WITHDRAWN],
        target=State.SUBMITTED,
        conditions=[call_open],
        permission=permissions.may_change_bid,
    )
    def submit(self, *, by=None, reason="", version=None, digest=None):
        pass

    # No ``call_open`` condition: the opening withdraws a bid not confirmed
    # after an addendum, at the deadline.  The bid services check the call.
    @transition(field=state, source=State.SUBMITTED, target=State.WITHDRAWN, permission=permissions.may_change_bid)
    def withdraw(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.OPENED)
    def open(self, *, by=None, reason=""):
        pass

    # --- evaluation and award (marketplace.evaluation.services.scoring / .awards) ---

    @transition(field=state, source=[State.OPENED, State.DISQUALIFIED], target=State.QUALIFIED)
    def qualify(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=[State.OPENED, State.QUALIFIED], target=State.DISQUALIFIED)
    def disqualify(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.QUALIFIED, target=State.AWARDED)
    def award(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.QUALIFIED, target=State.NOT_AWARDED)
    def not_award(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=[State.AWARDED, State.NOT_AWARDED], target=State.QUALIFIED)
    def reinstate(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.AWARDED, target=State.NOT_AWARDED)
    def revoke_award(self, *, by=None, reason=""):
        """The award was cancelled and the project with it."""


class BidDocument(models.Model):
    """A PDF attached to a bid.  Never changed once uploaded: removing it from
    the working copy keeps the row for the versions that name it."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(storage=private_storage, upload_to=bid_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bid document")
        verbose_name_plural = _("bid documents")
        ordering = ["bid", "pk"]
        default_permissions = ()

    def __str__(self):
        return self.title


class BidVersion(models.Model):
    """What was submitted, frozen: the receipt's content."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    price = models.DecimalField(max_digits=12, decimal_places=2)
    responses = models.JSONField(default=dict)
    team = models.TextField(blank=True)
    experience = models.TextField(blank=True)
    documents = models.ManyToManyField(BidDocument, related_name="versions")
    revision = models.PositiveSmallIntegerField(default=0)  # the call's addenda at submission
    # When the submission's request reached the server (``core/arrival.py``): the time the deadline is
    # counted from.  Empty for versions recorded before arrivals were stamped.
    received_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField()  # when the version was recorded (read in its transaction)
    submitted_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    canonical = models.TextField()  # the exact text the digest was computed over (UTF-8)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("bid version")
        verbose_name_plural = _("bid versions")
        ordering = ["bid", "number"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["bid", "number"], name="bid_version_unique_number")]

    def __str__(self):
        return f"{self.bid_id} v{self.number}"


class OpeningRecord(models.Model):
    """The opening record (开标记录), written once at the deadline: the
    bidders, prices, digests and times as they were then."""

    project = models.OneToOneField("marketplace.Project", on_delete=models.PROTECT, related_name="opening")
    opened_at = models.DateTimeField(_("opened"))
    deadline = models.DateTimeField(_("deadline"))
    entries = models.JSONField(default=list)  # [{organization, organization_id, price, digest, submitted_at, version}]
    valid_count = models.PositiveSmallIntegerField(default=0)
    min_valid_bids = models.PositiveSmallIntegerField(default=1)
    failed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("opening record")
        verbose_name_plural = _("opening records")
        default_permissions = ()

    def __str__(self):
        return f"{self.project_id} @ {self.opened_at}"
