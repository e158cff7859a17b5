"""Verbs on social organizations (社会组织).

Members (platform accounts with a ``Membership``) build the record in the
three-step wizard, upload documents and submit it; procurement officers
decide (return with reasons per step, approve, suspend, reinstate,
blacklist).  Officers never edit an organization's data, and nobody decides
on an organization they belong to.

Each verb runs in one transaction: it locks the organization row, checks the
permission and the rules, calls the django-fsm transition (whose
``post_transition`` receiver writes the audit event from ``by``/``reason``),
saves, and schedules notifications for after the commit.  A broken rule
raises ``OrganizationError`` with a message for the user (and, for forms, the
field it concerns) and changes nothing.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

from marketplace.core import notifications, privacy
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.models.users import User
from marketplace.core.money import format_cny
from marketplace.organizations.models import Membership, Organization, OrganizationDocument, StaffMember

OFFICER_PERMISSION = "marketplace.manage_procurement"
MEMBER_ROLE = "organization_member"

# Documents an organization must hold, valid, before it can be submitted.
REQUIRED_DOCUMENTS = {
    Organization.Track.FILED: (OrganizationDocument.Kind.CHARTER,),
    Organization.Track.REGISTERED: (OrganizationDocument.Kind.CERTIFICATE, OrganizationDocument.Kind.CHARTER),
}

# The groups of fields an officer can return with a reason ("return with
# reasons per field"): the wizard's three steps, the roster and documents.
RETURN_SECTIONS = {
    "basics": gettext_lazy("Name, type and community"),
    "people": gettext_lazy("Contact person and office"),
    "staff": gettext_lazy("Members (at least five)"),
    "registration": gettext_lazy("Founding and registration"),
    "documents": gettext_lazy("Documents"),
}


class OrganizationError(DomainError):
    """A rule was broken; the message is for the user.  ``field`` names the
    form field it concerns, when there is one."""


# --- validation shared by the wizard, the upgrade and the demo ----------------

# The characters of a unified social credit code after its first 8 digits
# (GB 32100-2015): digits and capital letters except I, O, Z, S and V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_FORBIDDEN = "IOZSV"
ID_NUMBER = re.compile(r"\A[0-9]{17}[0-9X]\Z")
PHONE = re.compile(r"\A(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})\Z")
# The largest amount ``registered_capital`` holds (12 digits, 2 decimals).
MAX_CAPITAL = Decimal("9999999999.99")


def _normalise_code(raw):
    """Full-width characters (typed with a Chinese input method) become ASCII;
    spaces, line breaks and hyphens between groups are dropped."""
    value = unicodedata.normalize("NFKC", str(raw or ""))
    return "".join(value.split()).replace("-", "")


def validate_credit_code(raw):
    """Return the 18-character unified social credit code, or raise with the
    exact reason.  Only upper case is accepted: the code is printed in upper
    case on every certificate, and a lower-case copy is a typing error."""
    value = _normalise_code(raw)
    if not value:
        raise OrganizationError(_("Enter the unified social credit code."), "credit_code")
    if len(value) != 18:
        raise OrganizationError(
            _("A unified social credit code has 18 characters; this one has %(count)d.") % {"count": len(value)},
            "credit_code",
        )
    if value != value.upper():
        raise OrganizationError(
            _("Write the unified social credit code in capital letters, as on the certificate."), "credit_code"
        )
    if not all(char in "0123456789" for char in value[:8]):
        raise OrganizationError(
            _("The first 8 characters of a unified social credit code are digits; check the code."), "credit_code"
        )
    for position, char in enumerate(value[8:], start=9):
        if char not in CREDIT_CODE_ALPHABET:
            if char in CREDIT_CODE_FORBIDDEN:
                message = _(
                    "Character %(position)d is the letter %(char)s, which a unified social credit code never uses "
                    "(it has no I, O, Z, S or V); check the code."
                )
            else:
                message = _(
                    "Character %(position)d (%(char)s) cannot appear in a unified social credit code: it has only "
                    "digits and capital letters; check the code."
                )
            raise OrganizationError(message % {"position": position, "char": char}, "credit_code")
    try:
        return uscc.validate(value)
    except stdnum_exceptions.InvalidChecksum:
        raise OrganizationError(
            _("The last character (the check digit) of this unified social credit code is wrong; check the code."),
            "credit_code",
        ) from None
    except (stdnum_exceptions.ValidationError, ValueError):
        raise OrganizationError(
            _("This is not a valid unified social credit code; check the code."), "credit_code"
        ) from None


def validate_id_number(raw):
    """A resident ID number (居民身份证号码): 17 digits and a check character,
    a real birth date (not in the future) and a known region."""
    value = _normalise_code(raw).upper()
    message = _("This is not a valid resident ID number (18 characters, with its check digit).")
    if not ID_NUMBER.match(value):
        raise OrganizationError(message, "legal_representative_id_number")
    try:
        value = ric.validate(value)
        born = ric.get_birth_date(value)
    except (stdnum_exceptions.ValidationError, ValueError):
        raise OrganizationError(message, "legal_representative_id_number") from None
    if born > timezone.localdate():
        raise OrganizationError(message, "legal_representative_id_number")
    return value


def min_capital(legal_type):
    return Decimal(str(settings.ORGANIZATION_MIN_CAPITAL.get(legal_type, "3000")))


def _parse_amount(amount):
    if amount is None:
        return None
    if isinstance(amount, Decimal):
        return amount
    text = unicodedata.normalize("NFKC", str(amount)).strip()
    for noise in (",", " ", "¥", "元"):
        text = text.replace(noise, "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def validate_capital(legal_type, amount):
    """The registered capital in yuan (Decimal, 2 places), at least the
    minimum for the legal type (settings ``ORGANIZATION_MIN_CAPITAL``)."""
    amount = _parse_amount(amount)
    if amount is None or not amount.is_finite():
        raise OrganizationError(_("Enter the registered capital in yuan."), "registered_capital")
    if amount < 0:
        raise OrganizationError(_("The registered capital cannot be negative."), "registered_capital")
    if amount > MAX_CAPITAL:
        raise OrganizationError(
            _("The registered capital can be at most ¥%(maximum)s.") % {"maximum": format_cny(MAX_CAPITAL)},
            "registered_capital",
        )
    floor = min_capital(legal_type)
    if amount < floor:
        label = dict(Organization.LegalType.choices).get(legal_type, legal_type)
        raise OrganizationError(
            _("The registered capital of a %(type)s must be at least ¥%(minimum)s.")
            % {"type": label, "minimum": format_cny(floor)},
            "registered_capital",
        )
    return amount.quantize(Decimal("0.01"))


def clean_staff_names(names):
    """One name a line or a list; blanks dropped, duplicates kept once."""
    if isinstance(names, str):
        names = names.splitlines()
    cleaned = []
    for name in names or ():
        if name is None:
            continue
        name = " ".join(str(name).split())
        if name and name not in cleaned:
            cleaned.append(name)
    for name in cleaned:
        if len(name) > StaffMember._meta.get_field("name").max_length:
            raise OrganizationError(_("A name may have at most 50 characters."), "staff")
        if privacy.find_personal_data(name):
            raise OrganizationError(_("Enter names only: no phone or ID numbers."), "staff")
    minimum = settings.ORGANIZATION_MIN_MEMBERS
    if len(cleaned) < minimum:
        raise OrganizationError(
            _("An organization needs at least %(minimum)d members; %(count)d given.")
            % {"minimum": minimum, "count": len(cleaned)},
            "staff",
        )
    return cleaned


def _check_length(field, value):
    """Refuse what the column cannot hold (PostgreSQL would fail the save)."""
    limit = Organization._meta.get_field(field).max_length
    if limit and len(value) > limit:
        raise OrganizationError(
            _("At most %(limit)d characters; this has %(count)d.") % {"limit": limit, "count": len(value)}, field
        )
    return value


LINK = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(?:com|cn|net|org|top|xyz|info|io|cc)\b)", re.IGNORECASE)


def _refuse_links(field, text):
    """Names and descriptions go into public pages and into e-mails (an
    invitation's subject names the organization): no web addresses."""
    if LINK.search(text or ""):
        raise OrganizationError(_("Web addresses are not allowed here."), field)


def _refuse_personal_data(field, *texts):
    """Name and description are public: refuse phone numbers, ID numbers…"""
    kinds = []
    for text in texts:
        kinds += [k for k in privacy.find_personal_data(text or "") if k not in kinds]
    if kinds:
        raise OrganizationError(
            _("This text is published, and it contains %(kinds)s. Remove it: personal data is never published.")
            % {"kinds": privacy.describe(kinds)},
            field,
        )


# --- who may do what -------------------------------------------------------------


def membership(user, organization):
    if user is None or not user.is_authenticated or organization is None or organization.pk is None:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def is_member(user, organization):
    return membership(user, organization) is not None


def is_officer(user):
    return user is not None and user.is_authenticated and user.has_perm(OFFICER_PERMISSION)


def _require_member(user, organization, *, admin=False):
    found = membership(user, organization)
    if found is None or (admin and found.role != Membership.Role.ADMIN):
        if admin and found is not None:
            raise OrganizationError(_("Only the organization's administrators may do this."))
        raise OrganizationError(_("Only members of this organization may do this."))
    return found


# Officers' decisions; any other audited act on an organization is a member's.
DECISION_ACTIONS = tuple(
    f"organization.{verb}"
    for verb in (
        "return_for_changes",
        "approve",
        "suspend",
        "reinstate",
        "blacklist",
        "lift_blacklist",
        "confirm_registration",
    )
)


def has_acted_for(user, organization):
    """A member now, or ever: started it, joined it, edited or submitted it.
    Leaving an organization does not make its former member impartial."""
    from marketplace.core.models.audit import AuditEvent

    if user is None or not user.is_authenticated:
        return False
    if organization.created_by_id == user.pk or is_member(user, organization):
        return True
    return (
        AuditEvent.objects.filter(
            object_type=f"{Organization._meta.app_label}.{Organization._meta.model_name}",
            object_id=str(organization.pk),
            actor=user,
        )
        .exclude(action__in=DECISION_ACTIONS)
        .exists()
    )


def _require_officer_deciding(user, organization):
    if not is_officer(user):
        raise OrganizationError(_("Only procurement officers may review organizations."))
    if has_acted_for(user, organization):
        raise OrganizationError(_("You belong or belonged to this organization, so you may not decide on it."))


def _require_verified(user):
    if user is None or not user.is_authenticated:
        raise OrganizationError(_("Sign in first."))
    if user.verified_at is None:
        raise OrganizationError(_("Confirm your e-mail address or mobile number first."))


def _locked(organization):
    return Organization.objects.select_for_update(of=("self",)).get(pk=organization.pk)


def ensure_member_role(user):
    """Acting for an organization is a capability (``act_for_organization``)
    that the organization-member role grants; a person who joins or starts an
    organization gets it."""
    group = Group.objects.filter(name=MEMBER_ROLE).first()
    if group is not None and not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)


# --- notifications (in-site and e-mail, after commit) ----------------------------


def workspace_url(organization):
    return reverse("orgs:workspace", args=[organization.pk])


def _notify_members(organization, subject, body):
    users = User.objects.filter(memberships__organization=organization, is_active=True)
    notifications.notify_users(users, subject=subject, body=body, link=workspace_url(organization))


def _notify_officers(organization, subject, body):
    # Officers who belong to the organization may not decide on it: not them.
    members = Membership.objects.filter(organization=organization).values("user_id")
    officers = list(
        User.objects.with_perm(OFFICER_PERMISSION, is_active=True, include_superusers=False)
        .exclude(pk__in=members)
        .exclude(pk=organization.created_by_id)
    )
    notifications.notify_users(
        officers, subject=subject, body=body, link=reverse("orgreview:detail", args=[organization.pk])
    )


# --- the wizard --------------------------------------------------------------------


@dataclass
class Step:
    number: int
    title: str


STEPS = (
    Step(1, gettext_lazy("The organization")),
    Step(2, gettext_lazy("People and office")),
    Step(3, gettext_lazy("Founding and registration")),
)


def _clean_step1(data):
    name = " ".join((data.get("name") or "").split())
    if not name:
        raise OrganizationError(_("Enter the organization's name."), "name")
    _check_length("name", name)
    track = data.get("track") or Organization.Track.FILED
    if track not in Organization.Track.values:
        raise OrganizationError(_("Choose a track."), "track")
    if data.get("kind") not in Organization.Kind.values:
        raise OrganizationError(_("Choose the organization's type."), "kind")
    if data.get("community") is None:
        raise OrganizationError(_("Choose the sponsoring community."), "community")
    description = (data.get("description") or "").strip()
    _refuse_personal_data("name", name)
    _refuse_personal_data("description", description)
    _refuse_links("name", name)
    _refuse_links("description", description)
    return {
        "name": name,
        "track": track,
        "kind": data["kind"],
        "community": data["community"],
        "description": description,
    }


def _clean_step2(data):
    contact_name = " ".join((data.get("contact_name") or "").split())
    phone = (data.get("contact_phone") or "").strip()
    email = (data.get("contact_email") or "").strip()
    if not contact_name:
        raise OrganizationError(_("Enter the contact person."), "contact_name")
    _check_length("contact_name", contact_name)
    if not phone and not email:
        raise OrganizationError(_("Give the contact person's phone number or e-mail."), "contact_phone")
    if phone:
        phone = "".join(unicodedata.normalize("NFKC", phone).split())
        if not PHONE.match(phone):
            raise OrganizationError(
                _("Enter a mobile number (11 digits) or a landline number with its area code."), "contact_phone"
            )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise OrganizationError(_("Enter a valid e-mail address."), "contact_email") from None
        _check_length("contact_email", email)
    office = data.get("office")
    if office not in Organization.Office.values:
        raise OrganizationError(_("Say where the office is."), "office")
    address = " ".join((data.get("office_address") or "").split())
    if office == Organization.Office.OWN and not address:
        raise OrganizationError(_("Enter the office address."), "office_address")
    _check_length("office_address", address)
    staff = clean_staff_names(data.get("staff"))
    return {
        "contact_name": contact_name,
        "contact_phone": phone,
        "contact_email": email,
        "office": office,
        "office_address": address,
    }, staff


# GB 32100-2015: a code's first character is the registering department (5:
# civil affairs), the second the kind of organization it registered.
LEGAL_TYPE_CODE_PREFIX = {
    Organization.LegalType.SOCIAL_GROUP: "51",
    Organization.LegalType.SOCIAL_SERVICE: "52",
    Organization.LegalType.FOUNDATION: "53",
}


def _clean_registration(data, organization):
    """Step 3 for the registered track (and the upgrade)."""
    code = validate_credit_code(data.get("credit_code"))
    if Organization.objects.filter(credit_code=code).exclude(pk=organization.pk).exists():
        raise _duplicate_code_error()
    authority = " ".join((data.get("registration_authority") or "").split())
    if not authority:
        raise OrganizationError(_("Enter the registration authority."), "registration_authority")
    _check_length("registration_authority", authority)
    _refuse_personal_data("registration_authority", authority)
    _refuse_links("registration_authority", authority)
    legal_type = data.get("legal_type")
    if legal_type not in Organization.LegalType.values:
        raise OrganizationError(_("Choose the legal type."), "legal_type")
    expected = LEGAL_TYPE_CODE_PREFIX[legal_type]
    if not code.startswith(expected):
        raise OrganizationError(
            _(
                "The credit code of a %(type)s registered with a civil-affairs bureau begins with %(prefix)s; "
                "this one begins with %(actual)s. Check the code and the legal type."
            )
            % {"type": Organization.LegalType(legal_type).label, "prefix": expected, "actual": code[:2]},
            "credit_code",
        )
    representative = " ".join((data.get("legal_representative") or "").split())
    if not representative:
        raise OrganizationError(_("Enter the legal representative."), "legal_representative")
    _check_length("legal_representative", representative)
    if privacy.find_personal_data(representative):
        raise OrganizationError(
            _("Enter the legal representative's name only; the ID number has its own field."), "legal_representative"
        )
    id_number = validate_id_number(data.get("legal_representative_id_number"))
    capital = validate_capital(legal_type, data.get("registered_capital"))
    return {
        "credit_code": code,
        "registration_authority": authority,
        "legal_type": legal_type,
        "legal_representative": representative,
        "legal_representative_id_number": id_number,
        "registered_capital": capital,
    }


def _clean_step3(data, organization):
    founded_on = data.get("founded_on")
    if founded_on is None:
        raise OrganizationError(_("Enter the date the organization was founded."), "founded_on")
    if founded_on > timezone.localdate():
        raise OrganizationError(_("The founding date cannot be in the future."), "founded_on")
    values = {"founded_on": founded_on}
    if organization.track == Organization.Track.REGISTERED:
        values.update(_clean_registration(data, organization))
    else:
        values.update(
            credit_code=None,
            registration_authority="",
            legal_type="",
            legal_representative="",
            legal_representative_id_number="",
            registered_capital=None,
        )
    return values


def _duplicate_code_error():
    return OrganizationError(
        _("Another organization on the platform already uses this unified social credit code."), "credit_code"
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
            raise _duplicate_code_error() from None
        raise
    # Field names only: the values may be personal data.
    record_event(action, actor=by, obj=organization, to_state=organization.state, details={"fields": sorted(fields)})


def start_organization(*, by, data):
    """Step 1 for a new organization: the person becomes its administrator."""
    _require_verified(by)
    values = _clean_step1(data)
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
        raise OrganizationError(_("There is no such step."))
    with transaction.atomic():
        organization = _locked(organization)
        _require_member(by, organization)
        if not organization.editable:
            raise OrganizationError(_("The organization is under review or decided; it cannot be edited now."))
        if step == 1:
            values = _clean_step1(data)
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
            values, staff = _clean_step2(data)
            _save(
                organization,
                {**values, "wizard_step": max(organization.wizard_step, 2)},
                by=by,
                action="organization.edit",
                fields=[*values, "staff"],
            )
            _replace_staff(organization, staff)
        else:
            values = _clean_step3(data, organization)
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
        organization = _locked(staff_member.organization)
        _require_member(by, organization)
        if organization.state in (Organization.State.SUBMITTED, Organization.State.BLACKLISTED):
            raise OrganizationError(
                _("The organization is %(state)s: its roster cannot change now.")
                % {"state": organization.get_state_display()}
            )
        staff_member = StaffMember.objects.filter(pk=staff_member.pk, organization=organization).first()
        if staff_member is None:
            raise OrganizationError(_("This person is no longer on the roster."))
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
        organization = _locked(organization)
        _require_member(by, organization)
        if organization.state not in (Organization.State.DRAFT, Organization.State.RETURNED):
            raise OrganizationError(
                _("The organization is %(state)s; only a draft or a returned organization can be submitted.")
                % {"state": organization.get_state_display()}
            )
        missing = missing_items(organization)
        if missing:
            raise OrganizationError(_("Still missing: %(items)s") % {"items": " ".join(missing)})
        organization.submit(by=by)
        organization.save()
        _notify_officers(
            organization,
            _("Organization to review: %(name)s") % {"name": organization.name},
            _("%(name)s was submitted for review.") % {"name": organization.name},
        )
    return organization


# --- decisions -----------------------------------------------------------------------


def _decide(organization, *, by, verb, expected, reason="", subject, body, check=None, **kwargs):
    with transaction.atomic():
        organization = _locked(organization)
        _require_officer_deciding(by, organization)
        if organization.state != expected:
            raise OrganizationError(
                _("This organization is %(state)s now; reload the page.") % {"state": organization.get_state_display()}
            )
        if check is not None:
            check(organization)
        getattr(organization, verb)(by=by, reason=reason, **kwargs)
        organization.save()
        _notify_members(organization, subject % {"name": organization.name}, body)
    return organization


def return_for_changes(organization, *, by, reasons):
    """Return with a reason per section (``RETURN_SECTIONS``)."""
    cleaned = {key: " ".join(str(text).split()) for key, text in (reasons or {}).items() if key in RETURN_SECTIONS}
    cleaned = {key: text for key, text in cleaned.items() if text}
    if not cleaned:
        raise OrganizationError(_("Give at least one reason, next to what must change."), "reasons")
    summary = "\n".join(f"{RETURN_SECTIONS[key]}: {text}" for key, text in cleaned.items())
    with transaction.atomic():
        organization = _locked(organization)
        _require_officer_deciding(by, organization)
        if organization.state != Organization.State.SUBMITTED:
            raise OrganizationError(_("Only a submitted organization can be returned."))
        organization.return_for_changes(by=by, reason=summary)
        organization.return_reasons = cleaned
        organization.save()
        _notify_members(
            organization,
            _("%(name)s: returned for changes") % {"name": organization.name},
            _("The reviewing officer asks for these changes before approval:\n%(reasons)s") % {"reasons": summary},
        )
    return organization


def _complete_for_approval(organization):
    # A required document may have expired (or been replaced) since submission.
    missing = missing_items(organization)
    if missing:
        raise OrganizationError(
            _("It cannot be approved while something is missing; return it for changes instead. Missing: %(items)s")
            % {"items": " ".join(missing)}
        )


def approve(organization, *, by, note=""):
    return _decide(
        organization,
        by=by,
        verb="approve",
        expected=Organization.State.SUBMITTED,
        check=_complete_for_approval,
        reason=(note or "").strip(),
        subject=_("%(name)s: approved"),
        body=_("Your organization was approved. It is listed in the public directory and may bid where eligible."),
    )


def suspend(organization, *, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise OrganizationError(_("Give the reason for the suspension."), "reason")
    return _decide(
        organization,
        by=by,
        verb="suspend",
        expected=Organization.State.APPROVED,
        reason=reason,
        subject=_("%(name)s: suspended"),
        body=_("Your organization was suspended and may not bid until reinstated. Reason: %(reason)s")
        % {"reason": reason},
    )


def reinstate(organization, *, by, reason=""):
    return _decide(
        organization,
        by=by,
        verb="reinstate",
        expected=Organization.State.SUSPENDED,
        reason=(reason or "").strip(),
        subject=_("%(name)s: reinstated"),
        body=_("Your organization's suspension was lifted."),
    )


def blacklist(organization, *, by, reason, until):
    reason = (reason or "").strip()
    if not reason:
        raise OrganizationError(_("Give the reason for blacklisting."), "reason")
    if until is None or until <= timezone.localdate():
        raise OrganizationError(_("The end date must be after today."), "until")
    return _decide(
        organization,
        by=by,
        verb="blacklist",
        expected=Organization.State.APPROVED,
        reason=reason,
        until=until,
        subject=_("%(name)s: blacklisted"),
        body=_("Your organization was blacklisted until %(until)s. Reason: %(reason)s")
        % {"until": until.isoformat(), "reason": reason},
    )


def lift_ended_blacklists(*, today=None):
    """Daily: blacklisting ends at its end date (the platform acts, no user)."""
    today = today or timezone.localdate()
    lifted = []
    due = Organization.objects.filter(state=Organization.State.BLACKLISTED, blacklisted_until__lte=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            organization = Organization.objects.select_for_update().get(pk=pk)
            if organization.state != Organization.State.BLACKLISTED or organization.blacklisted_until > today:
                continue
            ended = organization.blacklisted_until
            organization.lift_blacklist(by=None, reason=_("Blacklisting ended on %(date)s.") % {"date": ended})
            organization.save()
            _notify_members(
                organization,
                _("%(name)s: blacklisting ended") % {"name": organization.name},
                _("The blacklisting of your organization ended on %(date)s.") % {"date": ended.isoformat()},
            )
            lifted.append(organization.pk)
    return lifted


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
        organization = _locked(organization)
        _require_member(by, organization, admin=True)
        if organization.track != Organization.Track.FILED:
            raise OrganizationError(_("This organization is already registered."))
        if organization.state == Organization.State.BLACKLISTED:
            raise OrganizationError(_("A blacklisted organization cannot change its record."))
        if organization.state == Organization.State.SUBMITTED:
            raise OrganizationError(
                _("The organization is under review; add the registration after the officer's decision.")
            )
        values = _clean_registration(data, organization)
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
            _notify_officers(
                organization,
                _("%(name)s registered: confirm the registration") % {"name": organization.name},
                _(
                    "%(name)s added its registration (unified social credit code %(code)s). It counts as "
                    "registered once an officer has checked it against the registration certificate."
                )
                % {"name": organization.name, "code": organization.credit_code},
            )
    return organization


def confirm_registration(organization, *, by, note=""):
    """An officer has checked an upgraded organization's registration (the
    certificate among its documents against the credit code)."""
    with transaction.atomic():
        organization = _locked(organization)
        _require_officer_deciding(by, organization)
        if not organization.is_registered or organization.registration_verified_at is not None:
            raise OrganizationError(_("There is no registration waiting to be confirmed."))
        if organization.state not in (Organization.State.APPROVED, Organization.State.SUSPENDED):
            raise OrganizationError(_("A registration is confirmed with the organization's approval."))
        organization.registration_verified_at = timezone.now()
        organization.registration_verified_by = by
        organization.save(update_fields=["registration_verified_at", "registration_verified_by", "updated_at"])
        record_event(
            "organization.confirm_registration",
            actor=by,
            obj=organization,
            to_state=organization.state,
            reason=(note or "").strip(),
            details={"credit_code": organization.credit_code},
        )
        _notify_members(
            organization,
            _("%(name)s: registration confirmed") % {"name": organization.name},
            _("An officer confirmed your organization's registration; it now counts as registered."),
        )
    return organization
