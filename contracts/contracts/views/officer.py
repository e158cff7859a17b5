"""The officers' contract pages (/work/contracts/, namespace ``contracts``):
the list, drafting from an award, the draft's editing, the contract page
with its steps (send, sign for the purchaser, ask for changes, terminate,
amendments) and the PDFs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contracts.contracts import forms, permissions, selectors, services
from contracts.contracts.models import Amendment
from contracts.contracts.services.base import ContractError
from contracts.contracts.views.common import OFFICER, act, document_download, render_detail, valid_number
from marketplace.core.decorators import officer_required
from marketplace.core.errors import DomainError
from marketplace.core.params import has_control_characters
from marketplace.core.reauth import reauth_required
from marketplace.evaluation.models import Award

PER_PAGE = 25


def load(number):
    contract = selectors.contract_by_number(valid_number(number))
    if contract is None:
        raise Http404
    return contract


@never_cache
@officer_required
def index(request):
    filters = forms.ContractFilter(request.GET or None)
    state = q = ""
    if filters.is_valid():
        state, q = filters.cleaned_data["state"], filters.cleaned_data["q"].strip()
    found = selectors.officer_contracts(state=state, q=q)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contracts/contracts/index.html",
        {
            "filter_form": filters,
            "contracts_page": page,
            "filtered": bool(state or q),
            "querystring_base": f"{query.urlencode()}&" if query else "",
            "to_draft": list(selectors.awards_to_draft()[:20]),
        },
    )


def _draft_page(request, *, award, contract, draft_forms, status=200):
    project = award.project
    return render(
        request,
        "contracts/contracts/draft.html",
        {
            "award": award,
            "project": project,
            "contract": contract,
            "forms": draft_forms,
            "clock": {
                "deadline": services.signing_deadline(award),
                "days_left": services.signing_days_left(award),
                "overdue_days": -services.signing_days_left(award),
            },
            "organization": services.drafting.winning_organization(award),
        },
        status=status,
    )


def _submit(request, draft_forms, call, *, budget, price):
    """Bind, validate, call the service; on a refusal the page comes back with
    everything typed and the list of every problem at the top of the form
    (``DraftForms.summary``), so no flash message repeats it.  When only some
    rows are malformed, the contract's rules are still checked on the rest,
    so the officer sees every problem in one round, not the rules after the
    typing errors."""
    if not draft_forms.is_valid():
        if draft_forms.form.is_valid():
            problems = services.drafting.term_problems(*draft_forms.values(), budget=budget, price=price)
            if problems:
                draft_forms.add_service_error(services.drafting.TermsError(problems))
        return None
    try:
        return call(*draft_forms.values())
    except DomainError as error:
        draft_forms.add_service_error(error)
        return None


@never_cache
@officer_required
def draft(request, ref):
    """Draft the contract of the project ``ref`` from its live award."""
    if has_control_characters(ref):
        raise Http404
    award = get_object_or_404(Award.objects.select_related("project"), project__ref=ref, cancelled_at__isnull=True)
    existing = selectors.contract_of_award(award)
    if existing is not None:
        return redirect("contracts:detail", existing.number)
    decision = permissions.can_draft(request.user, award)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("projects:evaluation", award.project.ref)
    communities = award.project.communities.all()
    if request.method == "POST":
        draft_forms = forms.DraftForms(request.POST, communities=communities)

        def call(terms, milestones, criteria, questions):
            return services.draft_contract(
                award, by=request.user, terms=terms, milestones=milestones, criteria=criteria, questions=questions
            )

        contract = _submit(request, draft_forms, call, budget=award.project.budget, price=award.price)
        if contract is not None:
            messages.success(request, _("Contract %(number)s was drafted.") % {"number": contract.number})
            return redirect("contracts:detail", contract.number)
        return _draft_page(request, award=award, contract=None, draft_forms=draft_forms)
    terms, milestones, criteria, questions = services.initial_terms(award)
    draft_forms = forms.DraftForms(
        terms=terms, milestones=milestones, criteria=criteria, questions=questions, communities=communities
    )
    return _draft_page(request, award=award, contract=None, draft_forms=draft_forms)


@never_cache
@officer_required
def edit(request, number):
    contract = load(number)
    decision = permissions.can_edit(request.user, contract)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("contracts:detail", contract.number)
    communities = contract.project.communities.all() | contract.communities.all()
    communities = communities.distinct()
    if request.method == "POST":
        draft_forms = forms.DraftForms(request.POST, communities=communities)

        def call(terms, milestones, criteria, questions):
            return services.update_draft(
                contract, by=request.user, terms=terms, milestones=milestones, criteria=criteria, questions=questions
            )

        if _submit(request, draft_forms, call, budget=contract.budget, price=contract.award.price) is not None:
            messages.success(request, _("The draft was saved."))
            return redirect("contracts:detail", contract.number)
        return _draft_page(request, award=contract.award, contract=contract, draft_forms=draft_forms)
    terms, milestones, criteria, questions = services.current_terms(contract)
    draft_forms = forms.DraftForms(
        terms=terms, milestones=milestones, criteria=criteria, questions=questions, communities=communities
    )
    return _draft_page(request, award=contract.award, contract=contract, draft_forms=draft_forms)


@never_cache
@officer_required
def detail(request, number):
    return render_detail(request, load(number), OFFICER)


@never_cache
@officer_required
@require_POST
def send(request, number):
    contract = load(number)
    return act(
        request,
        contract,
        OFFICER,
        "send",
        forms.StepForm(request.POST),
        lambda form: services.send_for_signature(contract, by=request.user),
        success=_("The contract was sent to both parties for signature."),
    )


def _sign(request, contract, side):
    form = forms.SignForm(request.POST, prefix="sign")

    def call(form):
        services.sign(
            contract,
            by=request.user,
            password=form.cleaned_data["password"],
            sha256=form.cleaned_data["sha256"],
            request=request,
        )

    return act(request, contract, side, "sign", form, call, success=_("Your signature is recorded."))


@never_cache
@officer_required
@require_POST
@reauth_required(reentry_field="sign-password")
def sign(request, number):
    return _sign(request, load(number), OFFICER)


def _request_changes(request, contract, side):
    form = forms.ReasonForm(request.POST, prefix="changes")
    return act(
        request,
        contract,
        side,
        "request_changes",
        form,
        lambda form: services.request_changes(contract, by=request.user, reason=form.cleaned_data["reason"]),
        success=_("The contract is back in draft; the document and its signatures are void."),
    )


@never_cache
@officer_required
@require_POST
def request_changes(request, number):
    return _request_changes(request, load(number), OFFICER)


@never_cache
@officer_required
@require_POST
@reauth_required
def terminate(request, number):
    contract = load(number)
    form = forms.TerminateForm(request.POST, prefix="terminate")

    def call(form):
        data = form.cleaned_data
        services.terminate(contract, by=request.user, reason=data["reason"], on=data["on"], payable=data["payable"])

    return act(request, contract, OFFICER, "terminate", form, call, success=_("The contract was terminated."))


@never_cache
@officer_required
def amend(request, number):
    contract = load(number)
    decision = permissions.can_propose_amendment(request.user, contract)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("contracts:detail", contract.number)
    form = forms.AmendmentForm(request.POST or None, contract=contract, prefix="amendment")
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.propose_amendment(
                    contract,
                    by=request.user,
                    reason=data["reason"],
                    explanation=data["explanation"],
                    ends_on=data["ends_on"],
                    amount=data["amount"],
                    scope=data["scope"],
                    milestones=form.milestone_rows(),
                )
            except ContractError as error:
                if form.add_service_error(error):
                    messages.error(request, _("Nothing was changed: correct the form below."))
                else:
                    messages.error(request, _("Nothing was changed: %(message)s") % {"message": error.message})
            else:
                messages.success(request, _("The amendment was sent to both parties for confirmation."))
                return redirect("contracts:detail", contract.number)
        else:
            messages.error(request, _("Nothing was changed: correct the form below."))
    return render(request, "contracts/contracts/amend.html", {"contract": contract, "form": form})


def _amendment(contract, number):
    amendment = Amendment.objects.filter(contract=contract, number=number).first()
    if amendment is None:
        raise Http404
    amendment.contract = contract
    return amendment


def _confirm(request, contract, side, amendment_number):
    amendment = _amendment(contract, amendment_number)
    form = forms.SignForm(request.POST, prefix="sign")

    def call(form):
        services.confirm_amendment(
            amendment,
            by=request.user,
            password=form.cleaned_data["password"],
            sha256=form.cleaned_data["sha256"],
            request=request,
        )

    return act(
        request,
        contract,
        side,
        f"confirm-{amendment.number}",
        form,
        call,
        success=_("Your confirmation of the amendment is recorded."),
    )


@never_cache
@officer_required
@require_POST
@reauth_required(reentry_field="sign-password")
def amendment_confirm(request, number, amendment):
    return _confirm(request, load(number), OFFICER, amendment)


@never_cache
@officer_required
@require_POST
def amendment_withdraw(request, number, amendment):
    contract = load(number)
    found = _amendment(contract, amendment)
    form = forms.ReasonForm(request.POST, prefix="withdraw")
    return act(
        request,
        contract,
        OFFICER,
        f"withdraw-{found.number}",
        form,
        lambda form: services.withdraw_amendment(found, by=request.user, reason=form.cleaned_data["reason"]),
        success=_("The amendment was withdrawn."),
    )


@never_cache
@officer_required
def document(request, number, doc_pk):
    return document_download(load(number), doc_pk)
