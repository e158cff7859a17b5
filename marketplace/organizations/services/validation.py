"""Validation shared by the wizard, the upgrade and the demo: credit codes,
ID numbers, registered capital, the roster's names, and each wizard step's
fields.  Every refusal is an ``OrganizationError`` naming its field."""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

from marketplace.core import privacy
from marketplace.core.money import format_cny
from marketplace.organizations.models import Organization, StaffMember
from marketplace.organizations.services.base import OrganizationError

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


# --- the wizard's steps -------------------------------------------------------------


def clean_step1(data):
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


def clean_step2(data):
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


def clean_registration(data, organization):
    """Step 3 for the registered track (and the upgrade)."""
    code = validate_credit_code(data.get("credit_code"))
    if Organization.objects.filter(credit_code=code).exclude(pk=organization.pk).exists():
        raise duplicate_code_error()
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


def clean_step3(data, organization):
    founded_on = data.get("founded_on")
    if founded_on is None:
        raise OrganizationError(_("Enter the date the organization was founded."), "founded_on")
    if founded_on > timezone.localdate():
        raise OrganizationError(_("The founding date cannot be in the future."), "founded_on")
    values = {"founded_on": founded_on}
    if organization.track == Organization.Track.REGISTERED:
        values.update(clean_registration(data, organization))
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


def duplicate_code_error():
    return OrganizationError(
        _("Another organization on the platform already uses this unified social credit code."), "credit_code"
    )
