"""Forms of the officers' project workbench (/work/projects/).  They read and
shape the input; ``marketplace.procurement.services.projects`` checks the rules and
changes state (a ``ProjectError`` comes back onto its field here)."""

import datetime
from collections import OrderedDict
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.core.forms import ServiceErrorMixin
from marketplace.core.money import format_cny
from marketplace.organizations.models import EntryStandard, Organization
from marketplace.procurement.models.projects import DayCount, ProjectDocument, PurchaseMethod
from marketplace.procurement.selectors import work as selectors
from marketplace.procurement.services import projects as services

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DEFAULT_DEADLINE_TIME = datetime.time(17, 0)
TEXT_MAX = 20000
REASON_MAX = 2000
MAX_CRITERIA = 30


def _text(value):
    return (value or "").strip()


def local_deadline(moment):
    """A deadline as the (date, time) the officer typed, in Beijing time."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return local.date(), local.time().replace(second=0, microsecond=0)


def combine_deadline(day, time):
    """Date and time inputs, read as Beijing time (the platform's time zone)."""
    return timezone.make_aware(datetime.datetime.combine(day, time), timezone.get_default_timezone())


def _unit(unit):
    return DayCount(unit).label


def method_rules(method, *, earliest=True):
    """The method's rules in words, for the officer choosing it (with the
    earliest deadline of a call published today, unless ``earliest`` is off)."""
    rules = [
        gettext("Bidding period: at least %(days)s %(unit)s from publication to the deadline.")
        % {"days": method.min_period, "unit": _unit(method.period_unit)},
    ]
    if earliest:
        rules.append(
            gettext("Published today, the deadline can be on %(date)s at the earliest.")
            % {"date": services.earliest_deadline(method, timezone.now()).isoformat()}
        )
    rules += [
        gettext("At least %(count)s valid bids, or the call fails (流标).") % {"count": method.min_valid_bids},
        gettext("Evaluation committee of %(size)s members.") % {"size": method.committee_size},
        gettext("An addendum issued less than %(days)s %(unit)s before the deadline moves the deadline.")
        % {"days": method.addendum_min_days, "unit": _unit(method.addendum_unit)},
    ]
    if method.named_organization:
        rules.append(gettext("Addressed to one named organization: only that organization may bid."))
    if method.justification_required:
        rules.append(gettext("A justification for the method is required; it is published with the call."))
    if method.budget_cap is not None:
        rules.append(gettext("Budget cap: ¥%(cap)s per project.") % {"cap": format_cny(method.budget_cap)})
    if method.one_bid_per_organization:
        rules.append(gettext("An organization may bid on only one project of this method per year."))
    return rules


# --- grouped multiple choices -----------------------------------------------------------


class GroupedMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes grouped under headings; cleans to the chosen objects.
    The objects are read once, when the form is built."""

    widget = forms.CheckboxSelectMultiple

    def set_objects(self, objects, *, group, label):
        self.objects = OrderedDict((str(obj.pk), obj) for obj in objects)
        grouped = OrderedDict()
        for obj in self.objects.values():
            grouped.setdefault(group(obj), []).append((str(obj.pk), label(obj)))
        self.choices = list(grouped.items())

    def clean(self, value):
        value = super().clean(value)
        return [self.objects[key] for key in value]


def _item_group(item):
    category = item.category
    return f"{category.code} {category.name}"


def _need_label(need):
    return f"{need.title} · {need.community.name} · ¥{format_cny(need.cost)} · {need.year}"


# --- the project -----------------------------------------------------------------------------


class ProjectForm(ServiceErrorMixin, forms.Form):
    """Draft or edit a project (without its rubric, which is a formset)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    purchaser = forms.CharField(
        label=_("Purchaser"),
        max_length=100,
        help_text=_("The district department or street that buys the service."),
    )
    catalogue_items = GroupedMultipleChoiceField(
        label=_("Catalogue items"),
        help_text=_("Items of the published catalogue, by category. Search the page for a code or a name."),
        error_messages={"required": _("Choose at least one catalogue item.")},
    )
    communities = GroupedMultipleChoiceField(
        label=_("Communities served"),
        error_messages={"required": _("Choose the communities served.")},
    )
    needs = GroupedMultipleChoiceField(
        label=_("Accepted needs taken up"),
        required=False,
        help_text=_("Accepted needs waiting for a project, with their cost, community and year."),
    )
    budget = forms.DecimalField(
        label=_("Budget (CNY)"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    budget_override_reason = forms.CharField(
        label=_("Reason for exceeding the communities' funds"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the budget is more than the communities' funds have left."),
    )
    method = forms.ModelChoiceField(
        label=_("Purchase method"),
        queryset=PurchaseMethod.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a purchase method.")},
    )
    named_organization = forms.ModelChoiceField(
        label=_("Named organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("(none)"),
        help_text=_("For methods addressed to one organization (commission, single source): an approved one."),
    )
    justification = forms.CharField(
        label=_("Justification for the method"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published with the call. Required by some methods."),
    )
    entry_standard = forms.ModelChoiceField(
        label=_("Entry standard"),
        queryset=EntryStandard.objects.none(),
        error_messages={"required": _("Choose an entry standard.")},
    )
    service_start = forms.DateField(label=_("Service starts"), widget=DATE_INPUT)
    service_end = forms.DateField(label=_("Service ends"), widget=DATE_INPUT)
    period_justification = forms.CharField(
        label=_("Justification for a service period over one year"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("At most one year, or up to three years with a written justification."),
    )
    deadline_date = forms.DateField(label=_("Bid deadline: date"), widget=DATE_INPUT)
    deadline_time = forms.TimeField(
        label=_("Bid deadline: time"),
        widget=TIME_INPUT,
        initial=DEFAULT_DEADLINE_TIME,
        help_text=_("Beijing time (UTC+8)."),
    )
    min_valid_bids = forms.IntegerField(
        label=_("Minimum valid bids"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("Leave blank for the method's minimum. Fewer valid bids and the call fails."),
    )
    description = forms.CharField(
        label=_("Call text"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What is bought, for whom, and how bids are judged."),
    )
    requirements = forms.CharField(
        label=_("Requirements"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    # A ProjectError's field → this form's field.
    ERROR_FIELDS = {"deadline": "deadline_date", "new_deadline": "deadline_date"}

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        items = services.item_choices().select_related("category").order_by("code")
        self.fields["catalogue_items"].set_objects(
            items, group=_item_group, label=lambda item: f"{item.code} {item.name}"
        )
        self.fields["communities"].set_objects(
            services.community_choices().order_by("street", "name"),
            group=lambda community: community.street,
            label=lambda community: community.name,
        )
        self.fields["needs"].set_objects(
            selectors.acceptable_needs(project), group=lambda need: need.community.name, label=_need_label
        )
        methods = services.methods()
        if project is not None and project.pk:
            methods = PurchaseMethod.objects.filter(Q(active=True) | Q(pk=project.method_id))
        self.fields["method"].queryset = methods
        self.fields["named_organization"].queryset = selectors.approved_organizations()
        self.fields["entry_standard"].queryset = EntryStandard.objects.all()

    # --- reading it ---

    def deadline(self):
        data = self.cleaned_data
        if data.get("deadline_date") is None or data.get("deadline_time") is None:
            return None
        return combine_deadline(data["deadline_date"], data["deadline_time"])

    def project_data(self):
        """DRAFT_FIELDS for the services."""
        data = self.cleaned_data
        values = {field: data.get(field) for field in services.DRAFT_FIELDS if field != "deadline"}
        values["deadline"] = self.deadline()
        return values

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "data": self.project_data(),
            "items": data["catalogue_items"],
            "communities": data["communities"],
            "needs": data["needs"],
        }

    # --- what the page shows next to it ---

    def _chosen(self, name):
        """The objects chosen (bound or initial), even if the form is invalid."""
        field = self.fields[name]
        if self.is_bound:
            keys = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else []
        else:
            keys = [str(k) for k in (self.initial.get(name) or [])]
        return [field.objects[k] for k in keys if k in field.objects]

    def _value(self, name):
        if self.is_bound and name in getattr(self, "cleaned_data", {}):
            return self.cleaned_data[name]
        try:
            raw = self[name].value()
            # clean(), not to_python(): a number the field refuses (a budget of
            # 1e30 is beyond its 12 digits) must not reach the fund summary.
            return self.fields[name].clean(raw)
        except forms.ValidationError:
            return None

    def fund_summary(self):
        """The served communities' funds for the service year, against the
        budget typed (``services.fund_check``); None until communities are chosen."""
        communities = self._chosen("communities")
        if not communities:
            return None
        needs = self._chosen("needs")
        start = self._value("service_start")
        year = start.year if start else (needs[0].year if needs else timezone.localdate().year)
        budget = self._value("budget")
        check = services.fund_check(
            communities=communities,
            year=year,
            budget=budget if isinstance(budget, Decimal) else Decimal("0"),
            needs=needs,
            project=self.project,
        )
        return {"year": year, "check": check, "budget": budget if isinstance(budget, Decimal) else None}

    def method_options(self):
        """(radio, method, rules) for each method on offer."""
        methods = list(self.fields["method"].queryset)
        return [(radio, method, method_rules(method)) for radio, method in zip(self["method"], methods, strict=False)]


def project_initial(project):
    """A project as the form's initial values."""
    day, time = local_deadline(project.deadline)
    initial = {field: getattr(project, field) for field in services.DRAFT_FIELDS if field != "deadline"}
    initial.update(
        {
            "deadline_date": day,
            "deadline_time": time,
            "catalogue_items": [str(pk) for pk in project.catalogue_items.values_list("pk", flat=True)],
            "communities": [str(pk) for pk in project.communities.values_list("pk", flat=True)],
            "needs": [str(need.pk) for need in project.needs.all() if need.state == need.State.PLANNED],
        }
    )
    return initial


# --- the rubric ---------------------------------------------------------------------------------


class CriterionForm(forms.Form):
    """One rubric row.  Nothing is required here: a blank row is skipped and
    the services say what a row lacks."""

    name = forms.CharField(label=_("Criterion"), max_length=100, required=False)
    description = forms.CharField(
        label=_("What earns the score"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        max_digits=5,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
    )
    max_score = forms.DecimalField(
        label=_("Maximum score"),
        max_digits=6,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    is_price = forms.BooleanField(label=_("Price criterion"), required=False)

    def is_blank(self):
        data = self.cleaned_data
        return not (
            _text(data.get("name"))
            or _text(data.get("description"))
            or data.get("weight") is not None
            or data.get("max_score") is not None
            or data.get("is_price")
        )


class BaseRubricFormSet(forms.BaseFormSet):
    def criteria(self):
        """The filled rows, as the services take them."""
        rows = []
        for form in self.forms:
            if not form.is_valid() or form.is_blank():
                continue
            data = form.cleaned_data
            rows.append(
                {
                    "name": _text(data.get("name")),
                    "description": _text(data.get("description")),
                    "weight": data.get("weight") if data.get("weight") is not None else "",
                    "max_score": data.get("max_score"),
                    "is_price": bool(data.get("is_price")),
                }
            )
        return rows

    def total(self):
        """The weights typed so far (those that are numbers)."""
        total = Decimal("0")
        for form in self.forms:
            raw = form["weight"].value()
            if raw in (None, ""):
                continue
            try:
                weight = Decimal(str(raw).strip())
            except (InvalidOperation, ValueError):
                continue
            if weight.is_finite():
                total += weight
        return total


def rubric_formset(data=None, *, initial=None, extra=2):
    formset_class = formset_factory(
        CriterionForm,
        formset=BaseRubricFormSet,
        extra=extra,
        max_num=MAX_CRITERIA,
        absolute_max=MAX_CRITERIA,
        validate_max=True,
    )
    return formset_class(data, initial=initial, prefix="criteria")


def default_rubric():
    return [{"name": gettext("Price"), "weight": Decimal("20"), "is_price": True}]


def rubric_initial(project):
    return [
        {
            "name": c.name,
            "description": c.description,
            "weight": c.weight,
            "max_score": c.max_score,
            "is_price": c.is_price,
        }
        for c in project.criteria.all()
    ]


def quiet(form):
    """Show a bound form's values without checking them (after "add a row")."""
    form._errors = ErrorDict()
    form.cleaned_data = {}


def quiet_formset(formset):
    for form in formset.forms:
        quiet(form)
    formset._errors = [ErrorDict() for _form in formset.forms]
    formset._non_form_errors = formset.error_class()


def with_added_row(data, prefix="criteria"):
    """The posted data with one more rubric row (the "add a row" button)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except (TypeError, ValueError):
        total = 0
    data[key] = str(min(total + 1, MAX_CRITERIA))
    return data


# --- actions on the project's page ---------------------------------------------------------------


class ConfirmForm(forms.Form):
    """An irreversible step, confirmed by ticking a box (no JavaScript needed)."""

    confirm_label = _("I confirm.")
    confirm = forms.BooleanField(error_messages={"required": _("Tick the box to confirm.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = self.confirm_label
        # The confirmation last.
        self.order_fields([name for name in self.fields if name != "confirm"] + ["confirm"])


class SubmitForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _("I have checked the project; send it to a second officer for approval.")


class IntentionForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _(
        "Publish the purchase intention now, as the draft stands: the title, budget, method, service "
        "period and communities become public and can no longer be changed in the intention."
    )


class ApproveForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _("I have checked the project and its call; approve and publish it now.")


class ReturnForm(ServiceErrorMixin, forms.Form):
    reason = forms.CharField(
        label=_("What must change"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what must change.")},
    )


class CancelForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _("Cancel the project. This cannot be undone.")
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published with the call once it is public."),
        error_messages={"required": _("Give the reason for cancelling; it is published.")},
    )


class RetenderForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _("Copy this failed project into a new draft.")


class AnswerForm(ServiceErrorMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published on the call page; the organization that asked is not named."),
        error_messages={"required": _("Write the answer; it is published.")},
    )


class AddendumForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _("Publish this addendum now; bidders are notified.")
    text = forms.CharField(
        label=_("What changes"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what changes.")},
    )
    new_deadline_date = forms.DateField(label=_("New deadline: date (optional)"), required=False, widget=DATE_INPUT)
    new_deadline_time = forms.TimeField(
        label=_("New deadline: time"), required=False, widget=TIME_INPUT, help_text=_("Beijing time (UTC+8).")
    )

    def clean(self):
        data = super().clean()
        if data.get("new_deadline_time") and not data.get("new_deadline_date"):
            self.add_error("new_deadline_date", _("Give the date of the new deadline."))
        return data

    def new_deadline(self, current):
        data = self.cleaned_data
        if not data.get("new_deadline_date"):
            return None
        time = data.get("new_deadline_time") or local_deadline(current)[1]
        return combine_deadline(data["new_deadline_date"], time)

    ERROR_FIELDS = {"new_deadline": "new_deadline_date"}


class DocumentForm(ServiceErrorMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProjectDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False, help_text=_("Blank: the file's name."))
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": _("Choose a PDF file.")},
    )
