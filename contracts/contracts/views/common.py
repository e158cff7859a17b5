"""What the officer's and the organization's contract pages share: the
detail page's context (the same template for both sides, with each side's
URLs), the action helper and the PDF download."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from contracts.contracts import forms, permissions, selectors
from contracts.contracts.pdfs import milestone_rows
from contracts.contracts.services import signing_days_left, signing_deadline
from contracts.contracts.services.amendments import display_changes
from marketplace.core.actions import run_action
from marketplace.core.params import has_control_characters
from marketplace.procurement.views.projects import pdf_response

OFFICER, ORGANIZATION = "officer", "organization"


def side_urls(side, contract):
    if side == OFFICER:
        base, args = "contracts", [contract.number]
    else:
        base, args = "orgcontracts", [contract.organization_id, contract.number]

    def url(name, *more):
        return reverse(f"{base}:{name}", args=[*args, *more])

    names = ["detail", "sign", "request_changes"]
    if side == OFFICER:
        names += ["edit", "send", "terminate", "amend"]
    return {name: url(name) for name in names}, url


def clock(contract):
    """The legal clock: sign within 30 days of the award notice."""
    if contract.state not in ("draft", "awaiting_signatures"):
        return None
    left = signing_days_left(contract.award)
    return {"deadline": signing_deadline(contract.award), "days_left": left, "overdue": left < 0, "overdue_days": -left}


def detail_context(request, contract, side, *, bound=None):
    bound = bound or {}
    user = request.user
    actions = permissions.available_actions(user, contract)
    if side == ORGANIZATION:
        actions &= {"sign", "request_changes"}
    urls, url = side_urls(side, contract)
    live = selectors.live_document(contract)
    amendments = selectors.amendments(contract)
    amendment_rows = []
    for amendment in amendments:
        amendment.contract = contract
        document = selectors.live_document(contract, amendment)
        row = {
            "amendment": amendment,
            "changes": display_changes(contract, amendment.changes),
            "document": document,
            "signatures": list(document.signatures.all()) if document else [],
            "confirm_url": url("amendment_confirm", amendment.number),
            "may_confirm": bool(permissions.can_confirm_amendment(user, amendment)),
            "may_withdraw": side == OFFICER and bool(permissions.can_withdraw_amendment(user, amendment)),
        }
        if side == OFFICER:
            row["withdraw_url"] = url("amendment_withdraw", amendment.number)
        if row["may_confirm"]:
            row["form"] = bound.get(f"confirm-{amendment.number}") or forms.SignForm(
                prefix="sign", initial={"sha256": document.sha256}
            )
        if row["may_withdraw"]:
            row["withdraw_form"] = bound.get(f"withdraw-{amendment.number}") or forms.ReasonForm(prefix="withdraw")
        amendment_rows.append(row)
    communities = list(contract.communities.order_by("code"))
    documents = selectors.documents(contract)
    for document in documents:
        document.url = url("document", document.pk)
    return {
        "contract": contract,
        "side": side,
        "urls": urls,
        "actions": actions,
        "clock": clock(contract),
        "milestones": milestone_rows(contract),
        "criteria": list(contract.criteria.order_by("order")),
        "questions": list(contract.survey_questions.order_by("order")),
        "communities": communities,
        # the communities the place text does not name already ("枫林社区 (枫林社区)" reads badly)
        "place_communities": [c for c in communities if c.name not in (contract.place or "")],
        "live_document": live,
        "live_signatures": list(live.signatures.all()) if live else [],
        "documents": documents,
        "versions": [
            {"version": v, "document": d, "amendment": a, "url": d.url if d else ""}
            for v, d, a in _versions_with_urls(contract, documents)
        ],
        "amendment_rows": amendment_rows,
        "sign_form": bound.get("sign")
        or (forms.SignForm(prefix="sign", initial={"sha256": live.sha256}) if "sign" in actions and live else None),
        # why this user sees no signing form (four eyes, signed already...), so nobody wonders
        "sign_refusal": (
            permissions.can_sign(user, contract).reason
            if contract.state == "awaiting_signatures" and "sign" not in actions
            else ""
        ),
        "changes_form": bound.get("request_changes") or forms.ReasonForm(prefix="changes"),
        "terminate_form": bound.get("terminate")
        or forms.TerminateForm(prefix="terminate", initial={"on": timezone.localdate()}),
        "now": timezone.now(),
    }


def _versions_with_urls(contract, documents):
    by_pk = {d.pk: d for d in documents}
    for version, document, amendment in selectors.versions(contract):
        yield version, (by_pk.get(document.pk) if document else None), amendment


def render_detail(request, contract, side, *, bound=None, status=200):
    return render(
        request, "contracts/contracts/detail.html", detail_context(request, contract, side, bound=bound), status=status
    )


def act(request, contract, side, key, form, call, *, success):
    """One POST step on the detail page (``run_action``): the form, the service, back to the page."""
    urls, _url = side_urls(side, contract)
    return run_action(
        request,
        form,
        call,
        success=success,
        done=urls["detail"],
        again=lambda bound_form: render_detail(request, contract, side, bound={key: bound_form}),
    )


def valid_number(number):
    if has_control_characters(number) or len(number) > 30:
        raise Http404
    return number


def document_download(contract, pk):
    document = next((d for d in selectors.documents(contract) if d.pk == pk), None)
    if document is None:
        raise Http404
    suffix = f"-A{document.amendment.number}" if document.amendment_id else ""
    return pdf_response(document.file, f"{contract.number}{suffix}-v{document.version}.pdf")
