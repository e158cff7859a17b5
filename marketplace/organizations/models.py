"""Social organizations (社会组织): their record, people, documents, the
review workflow, and the entry standards (准入标准) that purchase projects
apply to them.

The threshold is low on purpose (seeds: no pre-approval, 5 members, office
space the community may provide, 3,000 CNY registered capital, "file first,
register later"): a community organization *files* (备案) with the platform and
may later *register* (登记) with a civil-affairs bureau, keeping its record.

Personal data lives here (contact person, phone, e-mail, the legal
representative's ID number, the roster's names, office address): none of it
ever reaches a public page.  ``PUBLIC_FIELDS`` lists what the public directory
may show.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from marketplace.organizations import permissions


class PrivateFileStorage(FileSystemStorage):
    """A file system storage with no public URL: asking for one is a bug."""

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view that checks permission.")


def private_storage():
    """Uploaded organization documents: stored under ``PRIVATE_MEDIA_ROOT``
    (outside the web root, never under MEDIA_URL) and served only by a view
    that checks permission first.  A callable, so migrations do not freeze
    the path."""
    return PrivateFileStorage(location=settings.PRIVATE_MEDIA_ROOT)


def document_path(instance, filename):
    # The stored name says nothing about the organization or the person; the
    # original name is kept in ``original_name`` for display to those allowed.
    return f"organizations/{instance.organization_id}/{uuid.uuid4().hex}"


class Organization(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        BLACKLISTED = "blacklisted", _("Blacklisted")

    class Track(models.TextChoices):
        FILED = "filed", _("Filed (community organization)")
        REGISTERED = "registered", _("Registered")

    class Kind(models.TextChoices):
        # Yuelu's five kinds of community social organization.
        PUBLIC_SERVICE = "public_service", _("Public service")
        CULTURE_SPORTS = "culture_sports", _("Culture and sports")
        CHARITY_RELIEF = "charity_relief", _("Charity and relief")
        SOCIAL_AFFAIRS = "social_affairs", _("Social affairs")
        RIGHTS = "rights", _("Community rights protection")

    class LegalType(models.TextChoices):
        SOCIAL_GROUP = "social_group", _("Social group")
        SOCIAL_SERVICE = "social_service", _("Social service institution (private non-enterprise unit)")
        FOUNDATION = "foundation", _("Foundation")

    class Office(models.TextChoices):
        OWN = "own", _("Own or rented office")
        COMMUNITY = "community", _("Provided by the community")

    # Fields the wizard's steps fill; the review's "return with reasons"
    # names these groups.
    STEP_FIELDS = {
        1: ("name", "track", "kind", "community", "service_areas", "description"),
        2: ("contact_name", "contact_phone", "contact_email", "office", "office_address"),
        3: (
            "founded_on",
            "credit_code",
            "registration_authority",
            "legal_type",
            "legal_representative",
            "legal_representative_id_number",
            "registered_capital",
        ),
    }
    REGISTRATION_FIELDS = STEP_FIELDS[3][1:]
    # What the public directory may show; everything else is private.
    PUBLIC_FIELDS = (
        "name",
        "track",
        "kind",
        "community",
        "service_areas",
        "description",
        "founded_on",
        "credit_code",
        "registration_authority",
        "legal_type",
        "approved_at",
    )

    name = models.CharField(_("organization name"), max_length=100)
    track = models.CharField(_("track"), max_length=12, choices=Track.choices, default=Track.FILED)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    community = models.ForeignKey(
        "marketplace.Community",
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("sponsoring community"),
    )
    service_areas = models.ManyToManyField(
        "marketplace.ServiceCategory",
        blank=True,
        related_name="organizations",
        verbose_name=_("service areas"),
        limit_choices_to={"parent__isnull": True},
    )
    description = models.TextField(_("what the organization does"), blank=True)

    # Step 2: people and office (private).
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    office = models.CharField(_("office"), max_length=10, choices=Office.choices, blank=True)
    office_address = models.CharField(_("office address"), max_length=200, blank=True)

    # Step 3: founding, and for the registered track its registration.
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True, default=None
    )
    registration_authority = models.CharField(_("registration authority"), max_length=100, blank=True)
    legal_type = models.CharField(_("legal type"), max_length=16, choices=LegalType.choices, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    legal_representative_id_number = models.CharField(_("legal representative's ID number"), max_length=18, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    # Workflow.
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    wizard_step = models.PositiveSmallIntegerField(_("last step saved"), default=0)
    return_reasons = models.JSONField(_("reasons for return"), default=dict, blank=True)
    suspension_reason = models.TextField(_("reason for suspension"), blank=True)
    blacklist_reason = models.TextField(_("reason for blacklisting"), blank=True)
    blacklisted_until = models.DateField(_("blacklisted until"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    upgraded_at = models.DateTimeField(_("registered on the platform"), null=True, blank=True)
    # An officer has checked the registration (at approval, or after a
    # "register later" upgrade).  Until then the organization counts, and is
    # published, as filed.
    registration_verified_at = models.DateTimeField(_("registration confirmed"), null=True, blank=True)
    registration_verified_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("social organization")
        verbose_name_plural = _("social organizations")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                # A draft may choose the registered track in step 1 and give the
                # code in step 3; from submission on, a registered one has it.
                condition=Q(track="filed") | Q(credit_code__isnull=False) | Q(state__in=["draft", "returned"]),
                name="organization_registered_has_credit_code",
            ),
            models.CheckConstraint(
                condition=~Q(state="blacklisted") | Q(blacklisted_until__isnull=False),
                name="organization_blacklist_has_end",
            ),
            models.CheckConstraint(
                condition=Q(registered_capital__isnull=True) | Q(registered_capital__gte=0),
                name="organization_capital_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["state", "track"])]

    def __str__(self):
        return self.name

    @property
    def is_registered(self):
        return self.track == self.Track.REGISTERED

    @property
    def registration_confirmed(self):
        return self.is_registered and self.registration_verified_at is not None

    @property
    def editable(self):
        """Members edit the record while it is not under review or decided
        against them; an approved organization edits through ``upgrade`` and
        documents only."""
        return self.state in (self.State.DRAFT, self.State.RETURNED)

    @property
    def frozen(self):
        """Under review (the officer decides on the record as submitted) or
        blacklisted: staff qualifications and documents cannot change."""
        return self.state in (self.State.SUBMITTED, self.State.BLACKLISTED)

    @property
    def may_add_registration(self):
        """File first, register later: a filed organization adds its
        registration unless under review or blacklisted."""
        return self.track == self.Track.FILED and not self.frozen

    @property
    def awaiting_registration_confirmation(self):
        """Registered after approval ("file first, register later") and not yet
        checked by an officer; confirmed with the approval otherwise."""
        return (
            self.is_registered
            and self.registration_verified_at is None
            and self.state in (self.State.APPROVED, self.State.SUSPENDED)
        )

    # --- transitions: services call them as ``org.verb(by=user, reason=...)`` ---
    # ``permission=`` is the actor rule (``marketplace.organizations.permissions``):
    # members submit; officers who never acted for the organization decide.

    @transition(
        field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED, permission=permissions.may_act_for
    )
    def submit(self, *, by=None, reason=""):
        self.submitted_at = timezone.now()

    @transition(field=state, source=State.SUBMITTED, target=State.RETURNED, permission=permissions.may_decide)
    def return_for_changes(self, *, by=None, reason=""):
        self.decided_at = timezone.now()
        self.decided_by = by

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED, permission=permissions.may_decide)
    def approve(self, *, by=None, reason=""):
        now = timezone.now()
        self.decided_at = now
        self.decided_by = by
        self.approved_at = self.approved_at or now
        self.return_reasons = {}
        if self.is_registered:
            # The officer reviewed the registration with the record.
            self.registration_verified_at = now
            self.registration_verified_by = by

    @transition(field=state, source=State.APPROVED, target=State.SUSPENDED, permission=permissions.may_decide)
    def suspend(self, *, by=None, reason=""):
        self.decided_at = timezone.now()
        self.decided_by = by
        self.suspension_reason = reason

    @transition(field=state, source=State.SUSPENDED, target=State.APPROVED, permission=permissions.may_decide)
    def reinstate(self, *, by=None, reason=""):
        self.decided_at = timezone.now()
        self.decided_by = by
        self.suspension_reason = ""

    @transition(field=state, source=State.APPROVED, target=State.BLACKLISTED, permission=permissions.may_decide)
    def blacklist(self, *, by=None, reason="", until=None):
        self.decided_at = timezone.now()
        self.decided_by = by
        self.blacklist_reason = reason
        self.blacklisted_until = until

    @transition(field=state, source=State.BLACKLISTED, target=State.APPROVED)
    def lift_blacklist(self, *, by=None, reason=""):
        # Run by the daily task on the end date (``by`` is None: the platform).
        self.decided_at = timezone.now()
        self.decided_by = by
        self.blacklisted_until = None


class StaffMember(models.Model):
    """The organization's roster: at least five people, names only.  A staff
    member's qualification counts for entry standards only while a valid
    qualification document backs it."""

    class Qualification(models.TextChoices):
        NONE = "", _("None")
        ASSISTANT_SOCIAL_WORKER = "assistant_sw", _("Assistant social worker (助理社会工作师)")
        SOCIAL_WORKER = "social_worker", _("Social worker (社会工作师)")
        SENIOR_SOCIAL_WORKER = "senior_sw", _("Senior social worker (高级社会工作师)")
        OTHER = "other", _("Other professional qualification")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("name"), max_length=50)
    qualification = models.CharField(
        _("qualification"), max_length=16, choices=Qualification.choices, blank=True, default=""
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A platform account acting for an organization.  A person may belong to
    several organizations."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Organization administrator")
        MEMBER = "member", _("Member")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey("marketplace.User", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization", "-role", "pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")]

    def __str__(self):
        return f"{self.user} @ {self.organization}"


class Invitation(models.Model):
    """An e-mailed invitation to join an organization.  Only the SHA-256 of
    the token is stored; the token itself is in the e-mail."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=8, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization}"


class OrganizationDocument(models.Model):
    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Registration or filing certificate")
        CHARTER = "charter", _("Charter")
        ANNUAL_INSPECTION = "annual_inspection", _("Annual inspection result")
        QUALIFICATION = "qualification", _("Staff qualification")
        OTHER = "other", _("Other")

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=150, blank=True)
    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("staff member"),
        help_text=_("For a qualification: whose it is."),
    )
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(_("marked expired"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("replaced by")
    )
    uploaded_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization document")
        verbose_name_plural = _("organization documents")
        ordering = ["kind", "-uploaded_at"]

    def __str__(self):
        return self.title or self.get_kind_display()

    def is_valid_on(self, day):
        """Current (not replaced) and not past its expiry date on ``day``."""
        return self.replaced_by_id is None and (self.expires_on is None or self.expires_on >= day)


class EntryStandard(models.Model):
    """A named, reusable rule set (准入标准).  ``marketplace.services.
    entry_standards.check(standard, organization)`` says whether an
    organization meets it, explaining every failed rule."""

    class Grade(models.TextChoices):
        # Performance grades of past contracts (best first).
        A = "A", _("A (excellent)")
        B = "B", _("B (good)")
        C = "C", _("C (pass)")
        D = "D", _("D (fail)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_standard = models.BooleanField(
        _("standard rule set"),
        default=False,
        help_text=_("Standard rule sets are shown to every organization in its workspace."),
    )
    required_track = models.CharField(
        _("track required"),
        max_length=12,
        choices=Organization.Track.choices,
        blank=True,
        help_text=_("Blank: either track."),
    )
    min_years_since_founding = models.PositiveSmallIntegerField(_("minimum years since founding"), default=0)
    qualification = models.CharField(
        _("staff qualification"), max_length=16, choices=StaffMember.Qualification.choices, blank=True
    )
    min_qualified_staff = models.PositiveSmallIntegerField(_("minimum staff with that qualification"), default=0)
    required_documents = models.JSONField(
        _("documents that must be valid"),
        default=list,
        blank=True,
        help_text=_('Kinds of document, e.g. ["certificate", "charter"].'),
    )
    min_performance_grade = models.CharField(
        _("minimum past performance grade"),
        max_length=1,
        choices=Grade.choices,
        blank=True,
        help_text=_("Applies once the organization has graded contracts."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entry standard")
        verbose_name_plural = _("entry standards")
        ordering = ["-is_standard", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        from marketplace.procurement.models.projects import refuse_change_during_open_calls

        refuse_change_during_open_calls(self, entry_standard=self)
