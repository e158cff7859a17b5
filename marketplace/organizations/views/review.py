"""Procurement officers' review of social organizations (/work/organizations/).

Officers (``marketplace.manage_procurement``) see the queue, an
organization's whole record with its documents side by side, its
eligibility and its audit trail, and decide: return for changes, approve,
suspend, reinstate, blacklist.  Every decision is confirmed, carries its
reason into the audit log, and goes through ``marketplace.services.
organizations``; the views never change state themselves.  Nobody decides on
an organization they belong to.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from marketplace.core.params import id_param
from marketplace.core.reauth import reauth_required
from marketplace.organizations.forms.review import (
    ApproveForm,
    BlacklistForm,
    ConfirmRegistrationForm,
    QueueFilterForm,
    ReinstateForm,
    ReturnForm,
    SuspendForm,
)
from marketplace.organizations.models import Membership, Organization, OrganizationDocument
from marketplace.organizations.selectors import review as selectors
from marketplace.organizations.services import documents as document_services
from marketplace.organizations.services import entry_standards
from marketplace.organizations.services import organizations as services

PER_PAGE = 20
FILTER_KEYS = ("state", "track", "kind", "community", "q")
BACK_KEYS = (*FILTER_KEYS, "page")

State = Organization.State


# --- access -------------------------------------------------------------------------------


def officer_required(view):
    """Procurement officers only: anonymous users go to the sign-in page,
    everybody else gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.is_officer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _organization(pk):
    organization = selectors.organization_for_review(pk)
    if organization is None:
        raise Http404
    return organization


# --- the way back to the queue, with its filters ------------------------------------------------


def _back_query(raw):
    """The queue's filters, taken from a query string the browser sent back,
    keeping only known keys (so the link can only lead to the queue)."""
    source = QueryDict(raw or "", mutable=False)
    kept = [(key, source.get(key)) for key in BACK_KEYS if source.get(key)]
    return urlencode([(key, value[:100]) for key, value in kept])


def _queue_url(back):
    url = reverse("orgreview:queue")
    return f"{url}?{back}" if back else url


def _detail_url(organization, back="", **params):
    query = [(key, value) for key, value in params.items() if value not in (None, "")]
    if back:
        query.append(("back", back))
    url = reverse("orgreview:detail", args=[organization.pk])
    return f"{url}?{urlencode(query)}" if query else url


# --- the queue -------------------------------------------------------------------------------------


@officer_required
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    others = {key: value for key, value in filters.items() if key != "state"}
    page = Paginator(selectors.review_queue(**filters), PER_PAGE).get_page(request.GET.get("page"))

    kept = {
        "state": filters["state"],
        "track": filters["track"],
        "kind": filters["kind"],
        "community": filters["community"].pk if filters["community"] else None,
        "q": filters["q"],
    }
    kept = {key: value for key, value in kept.items() if value not in (None, "")}
    without_state = urlencode({key: value for key, value in kept.items() if key != "state"})
    counts = selectors.state_counts(**others)
    state_tabs = [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "current": filters["state"] == value,
            "query": urlencode({**{k: v for k, v in kept.items() if k != "state"}, "state": value}),
        }
        for value, label in [(selectors.ALL_STATES, _("All")), *State.choices]
    ]
    back = urlencode({**kept, **({"page": page.number} if page.number > 1 else {})})
    rows = [(organization, _detail_url(organization, back)) for organization in page]
    return render(
        request,
        "marketplace/organizations/review/queue.html",
        {
            "filter_form": form,
            "filters": filters,
            "state_tabs": state_tabs,
            "organizations_page": page,
            "rows": rows,
            "querystring_base": urlencode(kept) + "&" if kept else "",
            "without_state": without_state,
            "is_review_queue": filters["state"] == State.SUBMITTED,
        },
    )


# --- decisions -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    name: str  # the URL name and the form prefix
    form_class: type
    states: tuple  # states in which it may be taken
    title: str
    button: str
    success: str
    danger: bool = False
    applies: object = None  # a further condition on the organization, if any

    def possible(self, organization):
        return organization.state in self.states and (self.applies is None or self.applies(organization))

    def call(self, organization, *, by, form):
        verb = {
            "confirm_registration": services.confirm_registration,
            "return": services.return_for_changes,
            "approve": services.approve,
            "suspend": services.suspend,
            "reinstate": services.reinstate,
            "blacklist": services.blacklist,
        }[self.name]
        return verb(organization, by=by, **form.service_kwargs())


DECISIONS = {
    decision.name: decision
    for decision in (
        Decision(
            "return",
            ReturnForm,
            (State.SUBMITTED,),
            gettext_lazy("Return for changes"),
            gettext_lazy("Return for changes"),
            gettext_lazy("The organization was returned for changes. Its members have been notified."),
        ),
        Decision(
            "approve",
            ApproveForm,
            (State.SUBMITTED,),
            gettext_lazy("Approve"),
            gettext_lazy("Approve the organization"),
            gettext_lazy("The organization was approved. Its members have been notified."),
        ),
        Decision(
            "suspend",
            SuspendForm,
            (State.APPROVED,),
            gettext_lazy("Suspend"),
            gettext_lazy("Suspend the organization"),
            gettext_lazy("The organization was suspended. Its members have been notified."),
            danger=True,
        ),
        Decision(
            "blacklist",
            BlacklistForm,
            (State.APPROVED,),
            gettext_lazy("Blacklist"),
            gettext_lazy("Blacklist the organization"),
            gettext_lazy("The organization was blacklisted. Its members have been notified."),
            danger=True,
        ),
        Decision(
            "confirm_registration",
            ConfirmRegistrationForm,
            (State.APPROVED, State.SUSPENDED),
            gettext_lazy("Confirm the registration"),
            gettext_lazy("Confirm the registration"),
            gettext_lazy("The registration was confirmed. The members have been notified."),
            applies=lambda organization: organization.is_registered and not organization.registration_confirmed,
        ),
        Decision(
            "reinstate",
            ReinstateForm,
            (State.SUSPENDED,),
            gettext_lazy("Reinstate"),
            gettext_lazy("Reinstate the organization"),
            gettext_lazy("The organization was reinstated. Its members have been notified."),
        ),
    )
}


def _decisions_for(organization):
    return [decision for decision in DECISIONS.values() if decision.possible(organization)]


def _decide(request, pk, name):
    decision = DECISIONS[name]
    organization = _organization(pk)
    back = _back_query(request.POST.get("back") or request.GET.get("back"))
    if request.method != "POST":
        return redirect(_detail_url(organization, back))
    if services.has_acted_for(request.user, organization):
        # Nobody decides on an organization they belong or belonged to (the service refuses too).
        raise PermissionDenied
    if not decision.possible(organization):
        messages.error(
            request,
            _("This organization is now “%(state)s”: “%(decision)s” is not possible. Nothing was changed.")
            % {"state": organization.get_state_display(), "decision": decision.title},
        )
        return redirect(_detail_url(organization, back))
    form = decision.form_class(request.POST, prefix=decision.name)
    if form.is_valid():
        try:
            decision.call(organization, by=request.user, form=form)
        except services.OrganizationError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            messages.success(request, decision.success)
            return redirect(_detail_url(organization, back))
    messages.error(request, _("The decision was not recorded: correct the form below."))
    return render(
        request,
        "marketplace/organizations/review/detail.html",
        _detail_context(request, organization, back=back, bound={decision.name: form}),
    )


@officer_required
def return_for_changes(request, pk):
    return _decide(request, pk, "return")


@officer_required
@reauth_required
def approve(request, pk):
    return _decide(request, pk, "approve")


@officer_required
def suspend(request, pk):
    return _decide(request, pk, "suspend")


@officer_required
@reauth_required
def confirm_registration(request, pk):
    return _decide(request, pk, "confirm_registration")


@officer_required
def reinstate(request, pk):
    return _decide(request, pk, "reinstate")


@officer_required
@reauth_required
def blacklist(request, pk):
    return _decide(request, pk, "blacklist")


# --- the organization's page ------------------------------------------------------------------------------


ACTION_LABELS = {
    # Nouns for the history's "What" column (the states have their own labels).
    "organization.create": gettext_lazy("Creation"),
    "organization.edit": gettext_lazy("Record edit"),
    "organization.qualification": gettext_lazy("Staff qualification set"),
    "organization.upgrade": gettext_lazy("Upgrade to registered"),
    "organization.submit": gettext_lazy("Submission for review"),
    "organization.return_for_changes": gettext_lazy("Return for changes"),
    "organization.approve": gettext_lazy("Approval"),
    "organization.suspend": gettext_lazy("Suspension"),
    "organization.reinstate": gettext_lazy("Reinstatement"),
    "organization.blacklist": gettext_lazy("Blacklisting"),
    "organization.lift_blacklist": gettext_lazy("End of blacklisting"),
    "organization.confirm_registration": gettext_lazy("Registration confirmed"),
    "organization.document_upload": gettext_lazy("Document upload"),
    "organization.document_expired": gettext_lazy("Document expiry"),
    "organization.invite": gettext_lazy("Invitation sent"),
    "organization.invitation_accept": gettext_lazy("Invitation accepted"),
    "organization.invitation_revoke": gettext_lazy("Invitation revoked"),
    "organization.member_remove": gettext_lazy("Member removed"),
    "organization.member_role": gettext_lazy("Member's role changed"),
}


def _state_label(value):
    return State(value).label if value in State.values else value


def _field_label(name):
    if name == "staff":
        return _("staff")
    try:
        return str(Organization._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _history_rows(organization):
    rows = []
    for event in selectors.organization_history(organization):
        details = event.details if isinstance(event.details, dict) else {}
        fields = details.get("fields")
        kind = details.get("kind")
        rows.append(
            {
                "event": event,
                "action": ACTION_LABELS.get(event.action, event.action),
                "code": event.action,
                "actor": event.actor.display_name if event.actor else (event.actor_label or _("The platform")),
                "actor_username": event.actor_label,
                "from_state": _state_label(event.from_state),
                "to_state": _state_label(event.to_state),
                "fields": [_field_label(name) for name in fields] if isinstance(fields, list) else [],
                "document_kind": OrganizationDocument.Kind(kind).label
                if kind in OrganizationDocument.Kind.values
                else "",
            }
        )
    return rows


def _viewer(organization, documents, raw_doc):
    """The document shown next to the list: ``?doc=<id>``, else the first
    current document."""
    selected = None
    doc_id = id_param(raw_doc)
    if doc_id is not None:
        selected = next((doc for doc in documents if doc.pk == doc_id), None)
    not_found = bool(raw_doc) and selected is None
    if selected is None and not raw_doc:
        selected = next((doc for doc in documents if doc.replaced_by_id is None), None)
    if selected is None:
        return {"document": None, "not_found": not_found}
    return {
        "document": selected,
        "url": reverse("orgreview:document", args=[organization.pk, selected.pk]),
        "is_image": selected.content_type
        in (OrganizationDocument.ContentType.JPEG, OrganizationDocument.ContentType.PNG),
        "not_found": False,
    }


def _detail_context(request, organization, *, back="", bound=None):
    user = request.user
    bound = bound or {}
    all_documents = list(selectors.organization_documents(organization))
    current_ids = {doc.pk for doc in document_services.current_documents(organization)}
    current = [doc for doc in all_documents if doc.pk in current_ids]
    earlier = [doc for doc in all_documents if doc.pk not in current_ids]
    today = timezone.localdate()
    for doc in all_documents:
        doc.review_url = _detail_url(organization, back, doc=doc.pk) + "#document-viewer"
        doc.is_expired = doc.expires_on is not None and doc.expires_on < today
    viewer = _viewer(organization, all_documents, request.GET.get("doc"))

    member_of_it = services.has_acted_for(user, organization)
    decisions = []
    if not member_of_it:
        for decision in _decisions_for(organization):
            form = bound.get(decision.name) or decision.form_class(prefix=decision.name)
            decisions.append(
                {
                    "decision": decision,
                    "form": form,
                    "url": reverse(f"orgreview:{decision.name}", args=[organization.pk]),
                }
            )

    return_reasons = [
        (label, organization.return_reasons.get(key))
        for key, label in services.RETURN_SECTIONS.items()
        if (organization.return_reasons or {}).get(key)
    ]
    return {
        "organization": organization,
        "queue_url": _queue_url(back),
        "back": back,
        "is_member": member_of_it,
        "missing": services.missing_items(organization),
        "staff": list(organization.staff.all()),
        "memberships": list(
            Membership.objects.filter(organization=organization).select_related("user").order_by("-role", "pk")
        ),
        "return_reasons": return_reasons,
        "return_history": list(selectors.return_history(organization)),
        "current_documents": current,
        "earlier_documents": earlier,
        "viewer": viewer,
        "eligibility": entry_standards.check_all(organization),
        "history": _history_rows(organization),
        "decisions": decisions,
    }


@never_cache
@officer_required
def detail(request, pk):
    organization = _organization(pk)
    back = _back_query(request.GET.get("back"))
    return render(
        request, "marketplace/organizations/review/detail.html", _detail_context(request, organization, back=back)
    )


@never_cache
@xframe_options_sameorigin
@officer_required
def document_file(request, pk, doc_pk):
    """The file itself, for the viewer on the organization's page (same-origin
    frames only) or to open on its own."""
    organization = _organization(pk)
    document = OrganizationDocument.objects.filter(pk=doc_pk, organization=organization).first()
    if document is None or not document_services.can_view(request.user, document):
        raise Http404
    return document_services.file_response(document)
