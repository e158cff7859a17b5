"""The wizard (three steps), the roster's qualifications, what is missing,
submission for review, and "file first, register later" (the upgrade).

Each verb runs in one transaction: it locks the organization row, asks the
permission (``marketplace.organizations.permissions``) and the state machine,
changes, saves, writes the audit event and schedules notifications."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.audit import record_event
from marketplace.core.fsm import require as require_transition
from marketplace.organizations import messages, permissions
from marketplace.organizations.models import Membership, Organization, OrganizationDocument, StaffMember
from marketplace.organizations.services.base import (
    REQUIRED_DOCUMENTS,
    OrganizationError,
    ensure_member_role,
    locked,
    notify_officers,
    require,
)
from marketplace.organizations.services.validation import (
    clean_registration,
    clean_step1,
    clean_step2,
    clean_step3,
    duplicate_code_error,
)


@dataclass
class Step:
    number: int
    title: str


STEPS = (
    Step(1, gettext_lazy("The organization")),
    Step(2, gettext_lazy("People and office")),
    Step(3, gettext_lazy("Founding and registration")),
)


def _save(organization, values, *, by, action, fields):
    # The audit names what changed (and the related lists the step saved),
    # not every field the form carried.
    unchanged = {field for field, value in values.items() if getattr(organization, field) == value}
    fields = [field for field in fields if field not in unchanged and field != "wizard_step"]
    for field, value in values.items():
        setattr(organization, field, value)
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError:
        # Another organization claimed the same code between our check and
        # this save (PostgreSQL waits for it to commit, then refuses ours).
        # Any other integrity error is a bug and is not dressed up as this.
        code = values.get("credit_code")
        if code and Organization.objects.filter(credit_code=code).exclude(pk=organization.pk).exists():
            raise duplicate_code_error() from None
        raise
    # Field names only: the values may be personal data.
    record_event(action, actor=by, obj=organization, to_state=organization.state, details={"fields": sorted(fields)})


def start_organization(*, by, data):
    """Step 1 for a new organization: the person becomes its administrator."""
    require(permissions.can_start(by))
    values = clean_step1(data)
    service_areas = list(data.get("service_areas") or ())
    with transaction.atomic():
        organization = Organization(created_by=by, wizard_step=1, **values)
        organization.save()
        organization.service_areas.set(service_areas)
        Membership.objects.create(organization=organization, user=by, role=Membership.Role.ADMIN)
        ensure_member_role(by)
        record_event(
            "organization.create", actor=by, obj=organization, to_state=organization.state, details={"step": 1}
        )
    return organization


def save_step(organization, step, *, by, data):
    """Save one wizard step of a draft or returned organization."""
    if step not in (1, 2, 3):
        raise OrganizationError(_("There is no such step."), code="no_such_step")
    with transaction.atomic():
        organization = locked(organization)
        require(permissions.can_act_for(by, organization))
        if not organization.editable:
            raise OrganizationError(
                _("The organization is under review or decided; it cannot be edited now."), code="not_editable"
            )
        if step == 1:
            values = clean_step1(data)
            if values["track"] == Organization.Track.FILED:
                # Back from registered to filed (still a draft): drop the registration.
                values.update(
                    credit_code=None,
                    registration_authority="",
                    legal_type="",
                    legal_representative="",
                    legal_representative_id_number="",
                    registered_capital=None,
                )
            _save(
                organization,
                {**values, "wizard_step": max(organization.wizard_step, 1)},
                by=by,
                action="organization.edit",
                fields=[*values, "service_areas"],
            )
            organization.service_areas.set(list(data.get("service_areas") or ()))
        elif step == 2:
            values, staff = clean_step2(data)
            _save(
                organization,
                {**values, "wizard_step": max(organization.wizard_step, 2)},
                by=by,
                action="organization.edit",
                fields=[*values, "staff"],
            )
            _replace_staff(organization, staff)
        else:
            values = clean_step3(data, organization)
            _save(organization, {**values, "wizard_step": 3}, by=by, action="organization.edit", fields=values)
    return organization


def _replace_staff(organization, names):
    """Keep existing people (and their qualifications and documents) by name."""
    existing = {member.name: member for member in organization.staff.all()}
    for position, name in enumerate(names):
        member = existing.pop(name, None)
        if member is None:
            StaffMember.objects.create(organization=organization, name=name, position=position)
        elif member.position != position:
            member.position = position
            member.save(update_fields=["position"])
    for member in existing.values():
        member.delete()


def set_qualification(staff_member, *, by, qualification):
    with transaction.atomic():
        organization = locked(staff_member.organization)
        require(permissions.can_act_for(by, organization))
        if organization.frozen:
            raise OrganizationError(
                _("The organization is %(state)s: its roster cannot change now.")
                % {"state": organization.get_state_display()},
                code="roster_locked",
            )
        staff_member = StaffMember.objects.filter(pk=staff_member.pk, organization=organization).first()
        if staff_member is None:
            raise OrganizationError(_("This person is no longer on the roster."), code="not_on_roster")
        if qualification not in StaffMember.Qualification.values:
            raise OrganizationError(_("Choose a qualification."), "qualification")
        staff_member.qualification = qualification
        staff_member.save(update_fields=["qualification"])
        record_event(
            "organization.qualification",
            actor=by,
            obj=organization,
            details={"staff_member": staff_member.pk, "qualification": qualification},
        )
    return staff_member


# --- what is missing, submission ---------------------------------------------------


class MissingItem(str):
    """One thing missing, in the user's words; ``step`` is the wizard step
    that fixes it (1–3), or None for a document."""

    def __new__(cls, text, step=None):
        item = super().__new__(cls, text)
        item.step = step
        return item


def missing_items(organization, *, today=None):
    """What stops the organization from being submitted, in the user's words."""
    today = today or timezone.localdate()
    missing = []
    if organization.wizard_step < 1 or not organization.name:
        missing.append(MissingItem(_("Step 1: the organization's name, type and community."), 1))
    if not organization.contact_name or not organization.office:
        missing.append(MissingItem(_("Step 2: the contact person and the office."), 2))
    staff_count = organization.staff.count() if organization.pk else 0
    if staff_count < settings.ORGANIZATION_MIN_MEMBERS:
        missing.append(
            MissingItem(
                _("Step 2: at least %(minimum)d members (now %(count)d).")
                % {"minimum": settings.ORGANIZATION_MIN_MEMBERS, "count": staff_count},
                2,
            )
        )
    if organization.founded_on is None:
        missing.append(MissingItem(_("Step 3: the founding date."), 3))
    if organization.is_registered and not organization.credit_code:
        missing.append(MissingItem(_("Step 3: the registration details."), 3))
    documents = list(organization.documents.all()) if organization.pk else []
    for kind in REQUIRED_DOCUMENTS[organization.track]:
        if not any(doc.kind == kind and doc.is_valid_on(today) for doc in documents):
            missing.append(
                MissingItem(_("Document: %(document)s (valid).") % {"document": OrganizationDocument.Kind(kind).label})
            )
    return missing


def submit(organization, *, by):
    with transaction.atomic():
        organization = locked(organization)
        require(permissions.can_act_for(by, organization))
        require_transition(
            organization.submit,
            by,
            OrganizationError,
            state_message=_("The organization is %(state)s; only a draft or a returned organization can be submitted.")
            % {"state": organization.get_state_display()},
        )
        missing = missing_items(organization)
        if missing:
            raise OrganizationError(_("Still missing: %(items)s") % {"items": " ".join(missing)}, code="incomplete")
        organization.submit(by=by)
        organization.save()
        notify_officers(organization, messages.SUBMITTED)
    return organization


# --- file first, register later ---------------------------------------------------


def upgrade_to_registered(organization, *, by, data):
    """A filed organization that has since registered with the civil-affairs
    bureau adds its registration; its record, documents, members and history
    stay.

    What an officer has already reviewed does not change: once submitted, the
    founding date stays as reviewed, and while under review the record cannot
    change at all.  An approved or suspended organization keeps its state, but
    its registration counts (for entry standards and in the public directory)
    only once an officer has confirmed it (``confirm_registration``)."""
    with transaction.atomic():
        organization = locked(organization)
        require(permissions.can_administer(by, organization))
        if organization.track != Organization.Track.FILED:
            raise OrganizationError(_("This organization is already registered."), code="already_registered")
        if organization.state == Organization.State.BLACKLISTED:
            raise OrganizationError(_("A blacklisted organization cannot change its record."), code="blacklisted")
        if organization.state == Organization.State.SUBMITTED:
            raise OrganizationError(
                _("The organization is under review; add the registration after the officer's decision."),
                code="under_review",
            )
        values = clean_registration(data, organization)
        if organization.submitted_at is None:
            founded_on = data.get("founded_on") or organization.founded_on
        else:
            founded_on = organization.founded_on  # as the officer reviewed it
        if founded_on is None:
            raise OrganizationError(_("Enter the date the organization was founded."), "founded_on")
        if founded_on > timezone.localdate():
            raise OrganizationError(_("The founding date cannot be in the future."), "founded_on")
        values.update(
            track=Organization.Track.REGISTERED,
            founded_on=founded_on,
            upgraded_at=timezone.now(),
            registration_verified_at=None,
            registration_verified_by=None,
        )
        _save(organization, values, by=by, action="organization.upgrade", fields=values)
        if organization.state in (Organization.State.APPROVED, Organization.State.SUSPENDED):
            notify_officers(organization, messages.REGISTRATION_ADDED, {"code": organization.credit_code})
    return organization
