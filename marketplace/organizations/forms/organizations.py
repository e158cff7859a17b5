"""Forms of the organization workspace (/org/): the three wizard steps, the
upgrade to the registered track, a staff member's qualification, document
upload and the confirmation before submitting.

They check input and show every error at once, next to its field, using the
same checks as ``marketplace.organizations.services.organizations`` (credit code, ID number,
capital, roster); the services check again and change state.  Each form's
``service_data()`` is the ``data`` the service expects.
"""

import unicodedata

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from marketplace.catalogue.models import ServiceCategory
from marketplace.core.forms import IdMultipleChoiceField, ServiceErrorMixin
from marketplace.core.models.places import Community
from marketplace.core.money import format_cny
from marketplace.organizations.models import Organization, OrganizationDocument, StaffMember
from marketplace.organizations.services import organizations as services

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png"


def _validation_error(exc):
    return forms.ValidationError(exc.message)


class CommunityChoiceField(forms.ModelChoiceField):
    """Communities grouped by street (街道) in the drop-down."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Community.objects.order_by("street", "name", "pk"), **kwargs)

    def grouped_choices(self):
        groups = {}
        for community in self.queryset:
            groups.setdefault(community.street, []).append((community.pk, community.name))
        return [("", self.empty_label), *groups.items()]


class Step1Form(ServiceErrorMixin, forms.Form):
    """The organization: name, track, type, community, service areas."""

    name = forms.CharField(
        label=gettext_lazy("Organization name"),
        max_length=100,
        help_text=gettext_lazy("The full name, as the community knows it. It is published."),
        error_messages={"required": gettext_lazy("Enter the organization's name.")},
    )
    track = forms.ChoiceField(
        label=gettext_lazy("Track"),
        choices=Organization.Track.choices,
        initial=Organization.Track.FILED,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "File first, register later: a community organization files with the platform now (备案) "
            "and adds its registration (登记) once it has a certificate."
        ),
        error_messages={"required": gettext_lazy("Choose a track.")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=Organization.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the organization's type.")},
    )
    community = CommunityChoiceField(
        label=gettext_lazy("Sponsoring community"),
        empty_label=gettext_lazy("(choose)"),
        help_text=gettext_lazy("Communities are listed under their street."),
        error_messages={
            "required": gettext_lazy("Choose the sponsoring community."),
            "invalid_choice": gettext_lazy("Choose the sponsoring community."),
        },
    )
    service_areas = IdMultipleChoiceField(
        label=gettext_lazy("Service areas"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick every area the organization works in."),
        error_messages={"invalid_choice": gettext_lazy("Choose a value from the list.")},
    )
    description = forms.CharField(
        label=gettext_lazy("What the organization does"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("A few sentences. It is published: no phone numbers or names of people."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].widget.choices = self.fields["community"].grouped_choices()
        self.fields["name"].widget.attrs["autocomplete"] = "organization"

    @classmethod
    def initial_for(cls, organization):
        return {
            "name": organization.name,
            "track": organization.track,
            "kind": organization.kind,
            "community": organization.community_id,
            "service_areas": [area.pk for area in organization.service_areas.all()],
            "description": organization.description,
        }

    def service_data(self):
        data = dict(self.cleaned_data)
        data["service_areas"] = list(data.get("service_areas") or ())
        return data


class Step2Form(ServiceErrorMixin, forms.Form):
    """People and office: the contact person, the office, the roster."""

    contact_name = forms.CharField(
        label=gettext_lazy("Contact person"),
        max_length=50,
        error_messages={"required": gettext_lazy("Enter the contact person.")},
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("A phone number or an e-mail address (or both). Only officers see them."),
    )
    contact_email = forms.EmailField(
        label=gettext_lazy("Contact e-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": gettext_lazy("Enter a valid e-mail address.")},
    )
    office = forms.ChoiceField(
        label=gettext_lazy("Office"),
        choices=Organization.Office.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("The community may provide the office space."),
        error_messages={"required": gettext_lazy("Say where the office is.")},
    )
    office_address = forms.CharField(
        label=gettext_lazy("Office address"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Needed for your own or a rented office."),
    )
    staff = forms.CharField(
        label=gettext_lazy("Members (names only)"),
        widget=forms.Textarea(attrs={"rows": 7, "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the members' names, one a line.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].help_text = _(
            "One name a line, at least %(minimum)d people. Names only: no phone or ID numbers."
        ) % {"minimum": settings.ORGANIZATION_MIN_MEMBERS}

    @classmethod
    def initial_for(cls, organization):
        return {
            "contact_name": organization.contact_name,
            "contact_phone": organization.contact_phone,
            "contact_email": organization.contact_email,
            "office": organization.office,
            "office_address": organization.office_address,
            "staff": "\n".join(member.name for member in organization.staff.all()),
        }

    def clean_contact_phone(self):
        # Spaces and full-width digits (a Chinese input method) are fine.
        phone = "".join(unicodedata.normalize("NFKC", self.cleaned_data["contact_phone"]).split())
        if phone and not services.PHONE.match(phone):
            raise forms.ValidationError(_("Enter a mobile number (11 digits) or a landline number with its area code."))
        return phone

    def clean_staff(self):
        names = self.cleaned_data["staff"]
        try:
            services.clean_staff_names(names)
        except services.OrganizationError as exc:
            raise _validation_error(exc) from None
        return names

    def clean(self):
        cleaned = super().clean()
        if (
            "contact_phone" not in self.errors
            and "contact_email" not in self.errors
            and not cleaned.get("contact_phone")
            and not cleaned.get("contact_email")
        ):
            self.add_error("contact_phone", _("Give the contact person's phone number or e-mail."))
        if cleaned.get("office") == Organization.Office.OWN and not (cleaned.get("office_address") or "").strip():
            self.add_error("office_address", _("Enter the office address."))
        return cleaned

    def service_data(self):
        return dict(self.cleaned_data)


class RegistrationFields(ServiceErrorMixin, forms.Form):
    """Founding date and, for the registered track, the registration."""

    founded_on = forms.DateField(
        label=gettext_lazy("Founded on"),
        widget=DATE_INPUT,
        error_messages={
            "required": gettext_lazy("Enter the date the organization was founded."),
            "invalid": gettext_lazy("Enter a date such as 2020-05-01."),
        },
    )
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        help_text=gettext_lazy("18 characters in capital letters, as printed on the registration certificate."),
        error_messages={"required": gettext_lazy("Enter the unified social credit code.")},
    )
    registration_authority = forms.CharField(
        label=gettext_lazy("Registration authority"),
        max_length=100,
        help_text=gettext_lazy("For example 长沙市岳麓区民政局."),
        error_messages={"required": gettext_lazy("Enter the registration authority.")},
    )
    legal_type = forms.ChoiceField(
        label=gettext_lazy("Legal type"),
        choices=Organization.LegalType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the legal type.")},
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("Legal representative"),
        max_length=50,
        error_messages={"required": gettext_lazy("Enter the legal representative.")},
    )
    legal_representative_id_number = forms.CharField(
        label=gettext_lazy("Legal representative's ID number"),
        max_length=25,
        help_text=gettext_lazy("Only officers see it; it is never published."),
        error_messages={"required": gettext_lazy("Enter the legal representative's ID number.")},
    )
    registered_capital = forms.CharField(
        label=gettext_lazy("Registered capital (CNY)"),
        max_length=30,
        error_messages={"required": gettext_lazy("Enter the registered capital in yuan.")},
    )

    REGISTRATION = Organization.REGISTRATION_FIELDS

    def __init__(self, *args, registered=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.registered = registered
        if not registered:
            for name in self.REGISTRATION:
                del self.fields[name]
            return
        today = timezone.localdate()
        self.fields["founded_on"].widget.attrs["max"] = today.isoformat()
        self.fields["credit_code"].widget.attrs.update(
            {"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off", "class": "code"}
        )
        self.fields["legal_representative_id_number"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false"}
        )
        self.fields["registered_capital"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        separator = "；" if (get_language() or "").startswith("zh") else "; "
        minimums = separator.join(
            f"{label} ¥{format_cny(services.min_capital(value))}" for value, label in Organization.LegalType.choices
        )
        self.fields["registered_capital"].help_text = _("Minimum by legal type: %(minimums)s.") % {"minimums": minimums}

    @classmethod
    def initial_for(cls, organization):
        return {
            "founded_on": organization.founded_on,
            "credit_code": organization.credit_code or "",
            "registration_authority": organization.registration_authority,
            "legal_type": organization.legal_type,
            "legal_representative": organization.legal_representative,
            "legal_representative_id_number": organization.legal_representative_id_number,
            "registered_capital": organization.registered_capital,
        }

    def clean_founded_on(self):
        founded_on = self.cleaned_data["founded_on"]
        if founded_on and founded_on > timezone.localdate():
            raise forms.ValidationError(_("The founding date cannot be in the future."))
        return founded_on

    def clean_credit_code(self):
        try:
            return services.validate_credit_code(self.cleaned_data["credit_code"])
        except services.OrganizationError as exc:
            raise _validation_error(exc) from None

    def clean_legal_representative_id_number(self):
        try:
            return services.validate_id_number(self.cleaned_data["legal_representative_id_number"])
        except services.OrganizationError as exc:
            raise _validation_error(exc) from None

    def clean(self):
        cleaned = super().clean()
        legal_type, capital = cleaned.get("legal_type"), cleaned.get("registered_capital")
        if self.registered and legal_type and capital:
            # "30,000", "3000元" and full-width digits are read as the service reads them.
            try:
                cleaned["registered_capital"] = services.validate_capital(legal_type, capital)
            except services.OrganizationError as exc:
                self.add_error("registered_capital", exc.message)
        return cleaned

    def service_data(self):
        return dict(self.cleaned_data)


class Step3Form(RegistrationFields):
    """Step 3: only the founding date for the filed track."""


class UpgradeForm(RegistrationFields):
    """File first, register later: a filed organization adds its registration."""

    def __init__(self, *args, **kwargs):
        kwargs["registered"] = True
        super().__init__(*args, **kwargs)


STEP_FORMS = {1: Step1Form, 2: Step2Form, 3: Step3Form}


class SubmitForm(ServiceErrorMixin, forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm that the information is true and complete."),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


class QualificationForm(ServiceErrorMixin, forms.Form):
    qualification = forms.ChoiceField(
        label=gettext_lazy("Qualification"),
        choices=StaffMember.Qualification.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=gettext_lazy(
            "It counts for entry standards only while a valid qualification document is uploaded for this person."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choose a qualification.")},
    )


class DocumentUploadForm(ServiceErrorMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Document"),
        choices=[("", gettext_lazy("(choose)")), *OrganizationDocument.Kind.choices],
        error_messages={
            "required": gettext_lazy("Choose which document this is."),
            "invalid_choice": gettext_lazy("Choose which document this is."),
        },
    )
    title = forms.CharField(
        label=gettext_lazy("Title (optional)"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("For example “2025 annual inspection”."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Valid until (optional)"),
        required=False,
        widget=DATE_INPUT,
        error_messages={"invalid": gettext_lazy("Enter a date such as 2020-05-01.")},
    )
    staff_member = forms.ModelChoiceField(
        label=gettext_lazy("Whose qualification"),
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label=gettext_lazy("(choose)"),
        help_text=gettext_lazy("Only for a staff qualification."),
        error_messages={"invalid_choice": gettext_lazy("Choose a person from the list.")},
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.FileInput(attrs={"accept": ACCEPTED_FILES}),
        error_messages={
            "required": gettext_lazy("Choose the file to upload."),
            "empty": gettext_lazy("The file is empty."),
        },
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_member"].queryset = organization.staff.all()
        self.fields["expires_on"].help_text = _(
            "Leave empty if the document does not expire. You will be reminded %(days)d days before."
        ) % {"days": settings.DOCUMENT_EXPIRY_WARNING_DAYS}
        self.fields["file"].help_text = _("PDF, JPG or PNG, at most %(size)s.") % {
            "size": filesizeformat(settings.ORGANIZATION_DOCUMENT_MAX_BYTES)
        }

    def clean(self):
        cleaned = super().clean()
        kind, person = cleaned.get("kind"), cleaned.get("staff_member")
        if kind == OrganizationDocument.Kind.QUALIFICATION and person is None and "staff_member" not in self.errors:
            self.add_error("staff_member", _("Choose whose qualification this is."))
        elif kind and kind != OrganizationDocument.Kind.QUALIFICATION and person is not None:
            cleaned["staff_member"] = None
        return cleaned

    def service_data(self):
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "file": data["file"],
            "title": data.get("title") or "",
            "expires_on": data.get("expires_on"),
            "staff_member": data.get("staff_member"),
        }
