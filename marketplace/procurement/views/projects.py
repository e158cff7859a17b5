"""The procurement officers' project workbench (/work/projects/).

Officers (``marketplace.manage_procurement``) list projects by state, draft
and edit them, send them for approval, approve or return another officer's
project (four eyes), cancel, answer questions, issue addenda, re-tender a
failed call, and after the opening read the opened bids.  Every change goes
through ``marketplace.procurement.services.projects``; a broken rule comes back as a
``ProjectError`` shown on its field, and nothing changes.

Sealing: bids are read only through ``marketplace.procurement.selectors.bids``; before
``project.opened_at`` nothing here says whether bids exist.  Every view that
shows a project opens it first if its deadline has passed (lazy opening).
"""

import datetime
import io

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from marketplace.core.actions import run_action
from marketplace.core.decorators import user_passes
from marketplace.core.filters import paginate
from marketplace.core.headers import protect_document
from marketplace.core.params import has_control_characters, id_param, text_param
from marketplace.core.reauth import reauth_required
from marketplace.needs.models import Need
from marketplace.procurement import permissions
from marketplace.procurement.filters import OfficerProjectFilterSet
from marketplace.procurement.forms import projects as forms
from marketplace.procurement.models.projects import (
    Project,
    intention_notice_ends,
    intention_notice_over,
    intention_published_at,
)
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.selectors import work as selectors
from marketplace.procurement.services import opening
from marketplace.procurement.services import projects as services
from marketplace.procurement.services.projects import ProjectError

PER_PAGE = 20
State = Project.State


# --- access ---------------------------------------------------------------------------------------


#: Procurement officers only: anonymous users go to the sign-in page, everybody else gets 403.
officer_required = user_passes(permissions.can_use_workbench)


def load_project(ref):
    """The project with everything its page shows, opened first if its
    deadline has passed (lazy opening); 404 if there is none."""
    if has_control_characters(ref):
        raise Http404
    project = selectors.project_by_ref(ref)
    if project is None:
        raise Http404
    opening.ensure_opened(project)
    return selectors.project_for_officer(ref)


def _detail_url(project, anchor=""):
    url = reverse("projects:detail", args=[project.ref])
    return f"{url}#{anchor}" if anchor else url


# --- the list ----------------------------------------------------------------------------------------


@never_cache
@officer_required
def index(request):
    for project in selectors.due_projects():
        opening.ensure_opened(project)
    filterset = OfficerProjectFilterSet(request.GET)
    filters = filterset.values
    others = {key: value for key, value in filters.items() if key != "state"}
    page = paginate(request, filterset.qs, PER_PAGE)
    kept = filterset.kept()
    counts = selectors.state_counts(**others)
    without_state = {key: value for key, value in kept.items() if key != "state"}
    tabs = [
        {
            "label": label,
            "count": counts[value],
            "current": filters["state"] == value,
            "query": urlencode({**without_state, **({"state": value} if value != selectors.ALL_STATES else {})}),
        }
        for value, label in [(selectors.ALL_STATES, _("All")), *State.choices]
    ]
    return render(
        request,
        "marketplace/procurement/projects/index.html",
        {
            "filter_form": filterset.form,
            "state_tabs": tabs,
            "projects_page": page,
            "querystring_base": filterset.querystring,
            "filtered": filterset.filtered,
        },
    )


# --- drafting -------------------------------------------------------------------------------------------


def _initial_from_request(request):
    """?need=<id> (an accepted need: its community, item, title, cost) and ?item=<code>."""
    initial = {}
    notes = []
    need_id = id_param(request.GET.get("need"))
    if need_id is not None:
        need = selectors.accepted_need(need_id)
        if need is None or need.state != Need.State.ACCEPTED:
            notes.append(_("That need is not an accepted need waiting for a project; it was not added."))
        else:
            initial.update(
                {
                    "needs": [str(need.pk)],
                    "communities": [str(need.community_id)],
                    "title": need.title,
                    "budget": need.cost,
                    "description": need.description,
                }
            )
            if need.catalogue_item_id:
                initial["catalogue_items"] = [str(need.catalogue_item_id)]
    code = text_param(request.GET.get("item"), limit=50)
    if code:
        item = services.item_choices().filter(code=code).first()
        if item is None:
            notes.append(_("No item of the published catalogue has the code %(code)s.") % {"code": code[:20]})
        else:
            items = initial.setdefault("catalogue_items", [])
            if str(item.pk) not in items:
                items.append(str(item.pk))
    return initial, notes


def _attach(error, form, rubric_errors):
    if error.field == "criteria":
        rubric_errors.append(error.message)
    else:
        form.add_service_error(error)


def _project_form_page(request, *, project=None):
    """Create (``project`` None) or edit a draft: the form and its rubric."""
    rubric_errors = []
    notes = []
    if request.method == "POST":
        form = forms.ProjectForm(request.POST, project=project)
        if "add_criterion" in request.POST:
            # One more rubric row; nothing is checked or saved yet.
            formset = forms.rubric_formset(forms.with_added_row(request.POST))
            forms.quiet(form)
            forms.quiet_formset(formset)
            return _render_form(request, form, formset, project=project, show_errors=False)
        formset = forms.rubric_formset(request.POST)
        form_ok = form.is_valid()
        rubric_ok = formset.is_valid()
        if form_ok and rubric_ok:
            try:
                services.check_bidding_period(form.cleaned_data["method"], timezone.now(), form.deadline())
                kwargs = {"by": request.user, "criteria": formset.criteria(), **form.service_kwargs()}
                if project is None:
                    saved = services.create_project(**kwargs)
                else:
                    saved = services.update_project(project, **kwargs)
            except ProjectError as error:
                _attach(error, form, rubric_errors)
            else:
                if project is None:
                    messages.success(
                        request,
                        _("Project %(ref)s drafted. Add the call documents, then send it for approval.")
                        % {"ref": saved.ref},
                    )
                else:
                    messages.success(request, _("The draft was saved."))
                return redirect(_detail_url(saved))
        if not rubric_ok and formset.non_form_errors():
            rubric_errors.extend(formset.non_form_errors())
        return _render_form(request, form, formset, project=project, rubric_errors=rubric_errors, status=200)
    if project is None:
        initial, notes = _initial_from_request(request)
        form = forms.ProjectForm(initial=initial)
        formset = forms.rubric_formset(initial=forms.default_rubric(), extra=2)
    else:
        form = forms.ProjectForm(initial=forms.project_initial(project), project=project)
        formset = forms.rubric_formset(initial=forms.rubric_initial(project), extra=1)
    return _render_form(request, form, formset, project=project, notes=notes)


def _render_form(request, form, formset, *, project, notes=(), rubric_errors=(), show_errors=True, status=200):
    has_errors = show_errors and (bool(form.errors) or bool(rubric_errors) or _formset_has_errors(formset))
    return render(
        request,
        "marketplace/procurement/projects/form.html",
        {
            "project": project,
            "form": form,
            "formset": formset,
            "rubric_errors": list(rubric_errors),
            "rubric_total": formset.total(),
            "method_options": form.method_options(),
            "fund": form.fund_summary(),
            "notes": notes,
            "has_errors": has_errors,
            "show_errors": show_errors,
            "price_low": settings.RUBRIC_PRICE_WEIGHT_MIN,
            "price_high": settings.RUBRIC_PRICE_WEIGHT_MAX,
        },
        status=status,
    )


def _formset_has_errors(formset):
    return formset.is_bound and (any(form.errors for form in formset.forms) or bool(formset.non_form_errors()))


@never_cache
@officer_required
def create(request):
    return _project_form_page(request)


@never_cache
@officer_required
def edit(request, ref):
    project = load_project(ref)
    if "edit" not in permissions.available_actions(request.user, project):
        messages.info(request, _("Only a draft can be edited."))
        return redirect(_detail_url(project))
    return _project_form_page(request, project=project)


# --- the project's page --------------------------------------------------------------------------------


ACTION_LABELS = {
    "project.create": gettext_lazy("Drafted"),
    "project.edit": gettext_lazy("Draft edited"),
    "project.submit_for_approval": gettext_lazy("Sent for approval"),
    "project.return_to_draft": gettext_lazy("Returned for changes"),
    "project.publish": gettext_lazy("Approved and published"),
    "project.close": gettext_lazy("Closed at the deadline; bids opened"),
    "project.fail": gettext_lazy("Failed (too few valid bids)"),
    "project.fail_in_evaluation": gettext_lazy("Failed in evaluation"),
    "project.start_evaluation": gettext_lazy("Evaluation started"),
    "project.award": gettext_lazy("Awarded"),
    "project.reopen_evaluation": gettext_lazy("Back to evaluation after an upheld challenge"),
    "project.cancel_award": gettext_lazy("Award and project cancelled after an upheld challenge"),
    "project.contract": gettext_lazy("Contracted"),
    "evaluation.qualification_reviewed": gettext_lazy("Qualification review decided"),
    "project.cancel": gettext_lazy("Cancelled"),
    "project.addendum": gettext_lazy("Addendum issued"),
    "projectdocument.upload": gettext_lazy("Document uploaded"),
    "projectdocument.remove": gettext_lazy("Document removed"),
    "clarification.ask": gettext_lazy("Question asked"),
    "clarification.answer": gettext_lazy("Question answered"),
}


def _state_label(value):
    return State(value).label if value in State.values else value


def _history_rows(project):
    rows = []
    for event in selectors.project_history(project):
        details = event.details if isinstance(event.details, dict) else {}
        changed = details.get("changed") if isinstance(details.get("changed"), list) else []
        rows.append(
            {
                "event": event,
                "action": ACTION_LABELS.get(event.action, event.action),
                "actor": event.actor.display_name if event.actor else (event.actor_label or _("The platform")),
                "from_state": _state_label(event.from_state),
                "to_state": _state_label(event.to_state),
                "fields": [_field_label(name) for name in changed],
            }
        )
    return rows


def _field_label(name):
    try:
        return str(Project._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown name shows as it is
        return name


def _opening_entries(record):
    rows = []
    for entry in record.entries if record is not None and isinstance(record.entries, list) else []:
        row = dict(entry)
        try:
            row["submitted_at"] = datetime.datetime.fromisoformat(entry.get("submitted_at") or "")
        except (TypeError, ValueError):
            row["submitted_at"] = None
        rows.append(row)
    return rows


#: the page's action forms: action (``permissions.PROJECT_ACTIONS``) -> (context name, form class, prefix)
ACTION_FORMS = {
    "intention": ("intention_form", forms.IntentionForm, "intention"),
    "submit": ("submit_form", forms.SubmitForm, "submit"),
    "approve": ("approve_form", forms.ApproveForm, "approve"),
    "return": ("return_form", forms.ReturnForm, "return"),
    "cancel": ("cancel_form", forms.CancelForm, "cancel"),
    "addendum": ("addendum_form", forms.AddendumForm, "addendum"),
    "documents": ("document_form", forms.DocumentForm, "doc"),
    "retender": ("retender_form", forms.RetenderForm, "retender"),
}


def _action_forms(actions, bound):
    """The form of each action the user may take now (the bound one, if it
    was just posted); None for the others, so the page shows no button."""
    context = {}
    for action, (name, form_class, prefix) in ACTION_FORMS.items():
        context[name] = (bound.get(action) or form_class(prefix=prefix)) if action in actions else None
    return context


def _clarification_rows(user, project, bound):
    answered_pk, bound_answer = bound.get("answer", (None, None))
    rows = []
    for clarification in project.clarifications.all():
        form = None
        if permissions.can_answer(user, clarification):
            form = bound_answer if answered_pk == clarification.pk else forms.AnswerForm(prefix=f"q{clarification.pk}")
        rows.append({"clarification": clarification, "form": form})
    return rows


def _detail_context(request, project, *, bound=None):
    user = request.user
    bound = bound or {}
    now = timezone.now()
    state = project.state
    actions = permissions.available_actions(user, project)
    clarifications = _clarification_rows(user, project, bound)

    record = bid_selectors.opening_record(project)
    opened = list(bid_selectors.opened_bids(user, project)) if project.opened_at else []
    needs = list(project.needs.all())
    criteria = list(project.criteria.all())
    return {
        "project": project,
        "is_author": project.created_by_id == user.pk,
        "is_second_officer": not permissions.has_shaped(user, project),
        "public_url": services.public_url(project) if project.published_at and state in Project.PUBLIC_STATES else "",
        "items": list(project.catalogue_items.all()),
        "communities": list(project.communities.all()),
        "needs": needs,
        "criteria": criteria,
        "documents": list(project.documents.all()),
        "addenda": list(project.addenda.all()),
        "clarifications": clarifications,
        "retenders": list(project.retenders.all()),
        "history": _history_rows(project),
        "is_open": state == State.PUBLISHED and now < project.deadline,
        "method_rules": forms.method_rules(project.method, earliest=state in (State.DRAFT, State.PENDING_APPROVAL)),
        # actions: exactly those the services would accept now
        "actions": actions,
        "can_edit": "edit" in actions,
        # the purchase intention (采购意向) and, while it holds the call back, why
        "intention_ends": intention_notice_ends(project),
        "intention_at": intention_published_at(project),
        "intention_blocks_call": state in (State.DRAFT, State.PENDING_APPROVAL) and not intention_notice_over(project),
        **_action_forms(actions, bound),
        "addendum_earliest": services.addendum_deadline(project, now) if "addendum" in actions else None,
        # the opening (nothing about bids before it)
        "opening_record": record,
        "opening_entries": _opening_entries(record),
        "opened_bids": opened,
    }


@never_cache
@officer_required
def detail(request, ref):
    project = load_project(ref)
    return render(request, "marketplace/procurement/projects/detail.html", _detail_context(request, project))


def _posted(request):
    """The posted data (an empty POST too, so a missing tick shows its error)."""
    return request.POST if request.method == "POST" else None


def _act(request, ref, name, form, call, success, *, anchor=""):
    """Run one action from the project's page (``run_action``): on success
    go back to the page (or to the URL ``call`` returns); on a broken rule
    show the page again with the form's errors."""
    project = load_project(ref)
    if request.method != "POST":
        return redirect(_detail_url(project, anchor))
    result = {}

    def run(form):
        result["url"] = call(project, form)

    def again(form):
        fresh = selectors.project_for_officer(project.ref)
        context = _detail_context(request, fresh, bound={name: form})
        return render(request, "marketplace/procurement/projects/detail.html", context)

    def done():
        return result["url"] if isinstance(result.get("url"), str) else _detail_url(project, anchor)

    return run_action(request, form, run, success=success, done=done, again=again)


@officer_required
def submit(request, ref):
    def call(project, form):
        services.submit_for_approval(project, by=request.user)

    return _act(
        request,
        ref,
        "submit",
        forms.SubmitForm(_posted(request), prefix="submit"),
        call,
        _("The project was sent for approval. A second officer must approve it."),
    )


@officer_required
@reauth_required
def publish_intention(request, ref):
    def call(project, form):
        services.publish_intention(project, by=request.user)

    return _act(
        request,
        ref,
        "intention",
        forms.IntentionForm(_posted(request), prefix="intention"),
        call,
        _("The purchase intention is public. The call can be approved once its notice period is over."),
        anchor="intention",
    )


@officer_required
@reauth_required
def approve(request, ref):
    def call(project, form):
        services.approve_project(project, by=request.user)

    return _act(
        request,
        ref,
        "approve",
        forms.ApproveForm(_posted(request), prefix="approve"),
        call,
        _("The project was approved and its call is published."),
    )


@officer_required
def return_project(request, ref):
    def call(project, form):
        services.return_project(project, by=request.user, reason=form.cleaned_data["reason"])

    return _act(
        request,
        ref,
        "return",
        forms.ReturnForm(_posted(request), prefix="return"),
        call,
        _("The project was returned to its author for changes."),
    )


@officer_required
@reauth_required
def cancel(request, ref):
    def call(project, form):
        services.cancel_project(project, by=request.user, reason=form.cleaned_data["reason"])

    return _act(
        request,
        ref,
        "cancel",
        forms.CancelForm(_posted(request), prefix="cancel"),
        call,
        _("The project was cancelled."),
    )


@officer_required
@reauth_required
def addendum(request, ref):
    def call(project, form):
        result = services.issue_addendum(
            project,
            by=request.user,
            text=form.cleaned_data["text"],
            new_deadline=form.new_deadline(project.deadline),
        )
        if result.extended:
            messages.warning(
                request,
                _("The addendum came too close to the deadline: the deadline moved to %(deadline)s.")
                % {"deadline": timezone.localtime(result.new_deadline).strftime("%Y-%m-%d %H:%M")},
            )

    return _act(
        request,
        ref,
        "addendum",
        forms.AddendumForm(_posted(request), prefix="addendum"),
        call,
        _("The addendum was published and bidders were notified."),
    )


@officer_required
@reauth_required
def answer(request, ref, pk):
    project = load_project(ref)
    clarification = next((c for c in project.clarifications.all() if c.pk == pk), None)
    if clarification is None:
        raise Http404
    if request.method != "POST":
        return redirect(_detail_url(project, "clarifications"))

    def again(form):
        context = _detail_context(request, selectors.project_for_officer(project.ref), bound={"answer": (pk, form)})
        return render(request, "marketplace/procurement/projects/detail.html", context)

    return run_action(
        request,
        forms.AnswerForm(request.POST, prefix=f"q{pk}"),
        lambda form: services.answer_question(clarification, by=request.user, answer=form.cleaned_data["answer"]),
        success=_("The answer is published on the call page."),
        done=_detail_url(project, "clarifications"),
        again=again,
    )


@officer_required
@reauth_required
def retender(request, ref):
    def call(project, form):
        copy = services.retender(project, by=request.user)
        return _detail_url(copy)

    return _act(
        request,
        ref,
        "retender",
        forms.RetenderForm(_posted(request), prefix="retender"),
        call,
        _("A new draft was copied from the failed project. Set its deadline and send it for approval."),
    )


# --- the call's documents ----------------------------------------------------------------------------------


@officer_required
def documents(request, ref):
    def call(project, form):
        services.upload_project_document(
            project,
            by=request.user,
            file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
        )

    return _act(
        request,
        ref,
        "documents",
        forms.DocumentForm(_posted(request), request.FILES or None, prefix="doc"),
        call,
        _("The document was added to the call."),
        anchor="documents",
    )


def _project_document(project, pk):
    document = next((d for d in project.documents.all() if d.pk == pk), None)
    if document is None:
        raise Http404
    return document


@officer_required
def remove_document(request, ref, pk):
    project = load_project(ref)
    document = _project_document(project, pk)
    if request.method != "POST":
        return redirect(_detail_url(project, "documents"))
    try:
        services.remove_project_document(document, by=request.user)
    except ProjectError as error:
        messages.error(request, _("Nothing was changed: %(message)s") % {"message": error.message})
    else:
        messages.success(request, _("The document was removed."))
    return redirect(_detail_url(project, "documents"))


def pdf_response(file, name, *, uploaded=False):
    """A PDF (a stored file, or the bytes of a rendered one), never sniffed or
    cached by the browser.  The platform's own PDFs (reports, letters) open in
    the browser; an ``uploaded`` one is always a sandboxed attachment."""
    stream = io.BytesIO(file) if isinstance(file, bytes) else file.open("rb")
    response = FileResponse(stream, content_type="application/pdf", as_attachment=uploaded, filename=name)
    protect_document(response, attachment=uploaded)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@officer_required
def document_file(request, ref, pk):
    project = load_project(ref)
    document = _project_document(project, pk)
    return pdf_response(document.file, document.original_name or "document.pdf", uploaded=True)


# --- opened bids ------------------------------------------------------------------------------------------


def _opened_bid(request, project, bid_pk):
    """An opened bid of the project and its last submitted version, through
    the sealed-bid selectors; 404 for anything else (before the opening too)."""
    bid = bid_selectors.opened_bids(request.user, project).filter(pk=bid_pk).first()
    if bid is None:
        raise Http404
    version = bid_selectors.version_for(request.user, bid.current_version_id)
    if version is None or version.bid_id != bid.pk:
        raise Http404
    return bid, version


@never_cache
@officer_required
def bid(request, ref, bid_pk):
    project = load_project(ref)
    bid, version = _opened_bid(request, project, bid_pk)
    responses = version.responses if isinstance(version.responses, dict) else {}
    criteria = [(criterion, responses.get(str(criterion.pk), "")) for criterion in project.criteria.all()]
    documents = bid_selectors.documents_for(request.user, bid).filter(versions=version).order_by("pk")
    return render(
        request,
        "marketplace/procurement/projects/bid.html",
        {
            "project": project,
            "bid": bid,
            "version": version,
            "criteria": criteria,
            "documents": list(documents),
        },
    )


@never_cache
@officer_required
def bid_document(request, ref, bid_pk, doc_pk):
    project = load_project(ref)
    bid, version = _opened_bid(request, project, bid_pk)
    document = bid_selectors.document_for(request.user, doc_pk)
    if document is None or document.bid_id != bid.pk:
        raise Http404
    if not bid_selectors.documents_for(request.user, bid).filter(versions=version, pk=document.pk).exists():
        raise Http404
    return pdf_response(document.file, document.original_name or "document.pdf", uploaded=True)
