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

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from marketplace.core.decorators import officer_required
from marketplace.core.errors import DomainError
from marketplace.core.filters import paginate
from marketplace.core.reauth import reauth_required
from marketplace.organizations import permissions
from marketplace.organizations.filters import ReviewQueueFilterSet
from marketplace.organizations.forms.review import (
    ApproveForm,
    BlacklistForm,
    ConfirmRegistrationForm,
    ReinstateForm,
    ReturnForm,
    SuspendForm,
)
from marketplace.organizations.models import Organization
from marketplace.organizations.selectors import members as member_selectors
from marketplace.organizations.selectors import review as selectors
from marketplace.organizations.services import documents as document_services
from marketplace.organizations.services import entry_standards
from marketplace.organizations.services import organizations as services
from marketplace.organizations.views import review_page

PER_PAGE = 20
FILTER_KEYS = ("state", "track", "kind", "community", "q")
BACK_KEYS = (*FILTER_KEYS, "page")

State = Organization.State


# --- access -------------------------------------------------------------------------------
# ``officer_required`` (marketplace.core.decorators): procurement officers only;
# anonymous users go to the sign-in page, everybody else gets 403.


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
    filterset = ReviewQueueFilterSet(request.GET)
    filters = filterset.values
    others = {key: value for key, value in filters.items() if key != "state"}
    page = paginate(request, filterset.qs, PER_PAGE)
    kept = filterset.kept()
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
            "filter_form": filterset.form,
            "filters": filters,
            "state_tabs": state_tabs,
            "organizations_page": page,
            "rows": rows,
            "querystring_base": filterset.querystring,
            "without_state": without_state,
            "is_review_queue": filters["state"] == State.SUBMITTED,
        },
    )


# --- decisions -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One of the review page's decisions.  Whether it may be taken now is
    ``permissions.available_actions`` (the state machine and who decides)."""

    name: str  # the URL name, the form prefix and the name in ``available_actions``
    form_class: type
    title: str
    button: str
    success: str
    danger: bool = False

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
            gettext_lazy("Return for changes"),
            gettext_lazy("Return for changes"),
            gettext_lazy("The organization was returned for changes. Its members have been notified."),
        ),
        Decision(
            "approve",
            ApproveForm,
            gettext_lazy("Approve"),
            gettext_lazy("Approve the organization"),
            gettext_lazy("The organization was approved. Its members have been notified."),
        ),
        Decision(
            "suspend",
            SuspendForm,
            gettext_lazy("Suspend"),
            gettext_lazy("Suspend the organization"),
            gettext_lazy("The organization was suspended. Its members have been notified."),
            danger=True,
        ),
        Decision(
            "blacklist",
            BlacklistForm,
            gettext_lazy("Blacklist"),
            gettext_lazy("Blacklist the organization"),
            gettext_lazy("The organization was blacklisted. Its members have been notified."),
            danger=True,
        ),
        Decision(
            "confirm_registration",
            ConfirmRegistrationForm,
            gettext_lazy("Confirm the registration"),
            gettext_lazy("Confirm the registration"),
            gettext_lazy("The registration was confirmed. The members have been notified."),
        ),
        Decision(
            "reinstate",
            ReinstateForm,
            gettext_lazy("Reinstate"),
            gettext_lazy("Reinstate the organization"),
            gettext_lazy("The organization was reinstated. Its members have been notified."),
        ),
    )
}


def _decisions_for(user, organization):
    actions = permissions.available_actions(user, organization)
    return [decision for decision in DECISIONS.values() if decision.name in actions]


def _decide(request, pk, name):
    decision = DECISIONS[name]
    organization = _organization(pk)
    back = _back_query(request.POST.get("back") or request.GET.get("back"))
    if request.method != "POST":
        return redirect(_detail_url(organization, back))
    if not permissions.can_decide(request.user, organization):
        # Nobody decides on an organization they belong or belonged to (the service refuses too).
        raise PermissionDenied
    if decision not in _decisions_for(request.user, organization):
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
        except DomainError as exc:
            form.add_service_error(exc)
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


def _decision_forms(user, organization, bound):
    """The decisions ``user`` may take now, each with its form (the one just
    posted, with its errors, if any) and where it posts to."""
    return [
        {
            "decision": decision,
            "form": bound.get(decision.name) or decision.form_class(prefix=decision.name),
            "url": reverse(f"orgreview:{decision.name}", args=[organization.pk]),
        }
        for decision in _decisions_for(user, organization)
    ]


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
    viewer = review_page.viewer(organization, all_documents, request.GET.get("doc"))

    member_of_it = permissions.has_acted_for(user, organization)
    decisions = [] if member_of_it else _decision_forms(user, organization, bound)
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
        "memberships": list(selectors.organization_memberships(organization)),
        "return_reasons": return_reasons,
        "return_history": [
            (event, review_page.return_reason_text(event.reason)) for event in selectors.return_history(organization)
        ],
        "current_documents": current,
        "earlier_documents": earlier,
        "viewer": viewer,
        "eligibility": entry_standards.check_all(organization, entry_standards.standards_concerning(organization)),
        "history": review_page.history_rows(organization),
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
    document = member_selectors.document_in(organization.pk, doc_pk)
    if document is None or not permissions.can_view_document(request.user, document):
        raise Http404
    return document_services.file_response(document)
