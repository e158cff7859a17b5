"""Verbs on the community demand list (需求清单).

Community workers file needs for their own community and triage the reports
residents send in (自报项目); procurement officers assess needs and accept or
decline them with a public answer; a purchase project later plans them.

Each verb runs in one transaction: it locks the rows it changes, checks the
permission and the rules, calls the django-fsm transition (whose
``post_transition`` receiver writes the audit event from ``by``/``reason``),
saves, and schedules notifications with ``transaction.on_commit``.  A broken
rule raises ``NeedError`` with a message for the user and changes nothing.
"""

import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.catalogue.models import CatalogueItem, CatalogueVersion
from marketplace.core import notifications, privacy
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.fsm import require
from marketplace.core.models.places import Community
from marketplace.core.models.users import User
from marketplace.core.money import format_cny
from marketplace.core.permissions import Permission
from marketplace.needs import messages, permissions
from marketplace.needs import selectors as need_selectors
from marketplace.needs.models import Need, ResidentReport

NEED_FIELDS = Need.FILED_FIELDS


class NeedError(DomainError):
    """A demand-list rule was broken; the message is for the user."""

    default_code = "need"


def _require(decision):
    if not decision:
        raise NeedError(decision.reason, code="permission")


def _text(value):
    return (value or "").strip()


# --- notifications (after commit) -----------------------------------------------


def _workers(community):
    workers = User.objects.filter(community=community, is_active=True)
    return [user for user in workers if user.has_perm(Permission.FILE_COMMUNITY_NEED)]


# --- filing ---------------------------------------------------------------------


def _refuse_personal_data(*texts, names=()):
    """Needs and answers are public: refuse text that carries personal data."""
    kinds = []
    for text in texts:
        kinds += [k for k in privacy.find_personal_data(text, names=names) if k not in kinds]
    if kinds:
        raise NeedError(
            _("This text is published, and it contains %(kinds)s. Remove it: personal data is never published.")
            % {"kinds": privacy.describe(kinds)},
            code="personal_data",
        )


def _check_need_data(data, *, names=()):
    item = data.get("catalogue_item")
    other = _text(data.get("other_description"))
    if item is None and not other:
        raise NeedError(_("Choose a catalogue item, or describe the service if none fits."), code="item_required")
    if item is not None and other:
        raise NeedError(
            _("Choose a catalogue item or describe a service outside the catalogue, not both."), code="item_or_other"
        )
    if item is not None:
        published = CatalogueItem.objects.filter(
            pk=item.pk, active=True, version__state=CatalogueVersion.State.PUBLISHED
        ).exists()
        if not published:
            raise NeedError(_("Choose an item of the published catalogue."), code="item_not_published")
    if not _text(data.get("title")) or not _text(data.get("description")):
        raise NeedError(_("Give the need a title and a description."), code="required")
    start, end = data.get("period_start"), data.get("period_end")
    if start is None or end is None or end < start:
        raise NeedError(_("The end must not be before the start."), code="period")
    if start.year < timezone.localdate().year:
        # The need counts against the fund of its start year: no past years.
        raise NeedError(_("The expected start must be in this year or later."), code="period_past")
    budget = data.get("estimated_budget")
    if budget is None or Decimal(budget) <= 0:
        raise NeedError(_("The estimated budget must be more than zero."), code="budget")
    if not data.get("beneficiaries_count") or data["beneficiaries_count"] < 1:
        raise NeedError(_("Give the number of beneficiaries."), code="beneficiaries")
    _refuse_personal_data(data.get("title"), data.get("description"), other, names=names)


def _new_need(*, by, community, data, source, resident_report=None):
    names = (resident_report.name, resident_report.phone) if resident_report else ()
    _check_need_data(data, names=names)
    values = {field: data.get(field) for field in NEED_FIELDS if field in data}
    values["other_description"] = _text(values.get("other_description"))
    values["title"] = _text(values["title"])
    values["description"] = _text(values["description"])
    values.setdefault("urgency", Need.Urgency.NORMAL)
    need = Need(
        community=community,
        filed_by=by,
        source=source,
        resident_report=resident_report,
        year=values["period_start"].year,
        **values,
    )
    try:
        need.full_clean(exclude=["state"])  # protected FSM field: set by default, never assigned
    except ValidationError as exc:
        raise NeedError(" ".join(exc.messages), code="invalid") from exc
    need.save()
    record_event(
        "need.file",
        actor=by,
        obj=need,
        to_state=need.state,
        details={
            "community": community.code,
            "year": need.year,
            "estimated_budget": str(need.estimated_budget),
            "source": need.source,
            "resident_report": resident_report.pk if resident_report else None,
        },
    )
    return need


def file_need(*, by, community, **data):
    """A community worker files a need for their own community."""
    with transaction.atomic():
        _require(permissions.can_file(by, community))
        return _new_need(by=by, community=community, data=data, source=Need.Source.WORKER)


# --- resident reports (自报项目) ------------------------------------------------


TOKEN_USED_MESSAGE = gettext_lazy(
    "This form has already been sent: your report was received once and nothing was changed. "
    "To report another need, open the form again."
)


def token_digest(token):
    """What is kept of a resident-report form token: enough to refuse it a second time."""
    return hashlib.sha256(str(token).encode()).hexdigest() if token else None


def report_need(*, community, title, description, name, phone, notify=True, token=None):
    """A resident, without an account, reports a need.  Name and phone are
    kept for the community's workers only; they never go into the audit log
    or an email.  ``token`` (the form's) is consumed in the same transaction:
    the unique ``token_digest`` makes a second use, even a concurrent one, fail."""
    title, description, name, phone = map(_text, (title, description, name, phone))
    if not (title and description and name and phone):
        raise NeedError(_("Fill in every field."), code="required")
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = ResidentReport.objects.create(
                    community=community,
                    title=title,
                    description=description,
                    name=name,
                    phone=phone,
                    token_digest=token_digest(token),
                )
        except IntegrityError as exc:
            raise NeedError(str(TOKEN_USED_MESSAGE), code="token_used") from exc
        record_event(
            "residentreport.create",
            obj=report,
            to_state=report.state,
            details={"community": community.code},
        )
        if notify:
            notifications.send(
                messages.RESIDENT_REPORT, _workers(community), {"title": report.title, "community": community}
            )
    return report


HANDLED_ALREADY = gettext_lazy("This report has been handled already.")


def _locked_report(report, by, transition):
    """Lock the report and ask its state machine whether ``by`` may take
    ``transition`` (``"triage"`` or ``"decline"``) now."""
    report = ResidentReport.objects.select_for_update(of=("self",)).select_related("community").get(pk=report.pk)
    _require(permissions.can_handle_report(by, report))
    require(getattr(report, transition), by, NeedError, state_message=HANDLED_ALREADY)
    return report


def triage_report(report, *, by, **data):
    """Turn a resident's report into a need of the same community."""
    with transaction.atomic():
        report = _locked_report(report, by, "triage")
        need = _new_need(
            by=by, community=report.community, data=data, source=Need.Source.RESIDENT, resident_report=report
        )
        report.triage(by=by, reason=_("Turned into need %(id)s") % {"id": need.pk})
        report.handled_by = by
        report.handled_at = timezone.now()
        report.save()
    return need


def decline_report(report, *, by, reason):
    """Decline a resident's report with a reason (kept with the report)."""
    reason = _text(reason)
    with transaction.atomic():
        report = _locked_report(report, by, "decline")
        if not reason:
            raise NeedError(_("Give the reason for declining."), code="reason_required")
        report.decline(by=by, reason=reason)
        report.decline_reason = reason
        report.handled_by = by
        report.handled_at = timezone.now()
        report.save()
    return report


# --- assessment (需求评估) ------------------------------------------------------


DECIDE_STATE_MESSAGE = gettext_lazy("Only an assessed need can be accepted or declined.")


def _locked_need(need):
    return Need.objects.select_for_update(of=("self",)).select_related("community").get(pk=need.pk)


def assess_need(need, *, by, assessment, assessed_cost=None, public_answer=""):
    """An officer assesses a submitted need: an internal assessment, the
    assessed cost (defaults to the community's estimate when left empty) and
    optionally a first public answer."""
    assessment = _text(assessment)
    with transaction.atomic():
        _require(permissions.can_assess(by, need))
        need = _locked_need(need)
        require(need.assess, by, NeedError, state_message=_("Only a submitted need can be assessed."))
        if not assessment:
            raise NeedError(_("Write the assessment."), code="assessment_required")
        if assessed_cost is not None and Decimal(assessed_cost) < 0:
            raise NeedError(_("The assessed cost must not be negative."), code="cost_negative")
        need.assess(by=by, reason=assessment)
        need.assessment = assessment
        need.assessed_cost = assessed_cost
        if _text(public_answer):
            _refuse_personal_data(public_answer)
            need.public_answer = _text(public_answer)
        need.assessed_by = by
        need.assessed_at = timezone.now()
        need.save()
    return need


def accept_need(need, *, by, public_answer, override_reason="", notify=True):
    """Accept an assessed need.  If its cost would take the community's
    accepted total for the year above the yearly fund, the officer must give
    an override reason; without one nothing changes."""
    public_answer, override_reason = _text(public_answer), _text(override_reason)
    with transaction.atomic():
        _require(permissions.can_decide(by, need))
        if not public_answer:
            raise NeedError(_("Write the public answer."), code="answer_required")
        _refuse_personal_data(public_answer)
        # Lock the community first: accepts for one community queue here, so
        # two officers cannot both spend the last of the fund.
        Community.objects.select_for_update(no_key=True).get(pk=need.community_id)
        need = _locked_need(need)
        require(need.accept, by, NeedError, state_message=DECIDE_STATE_MESSAGE)
        fund = need_selectors.fund_status(need.community, need.year)
        after = fund.committed + need.cost
        exceeds = after > fund.amount
        if exceeds and override_reason:
            _refuse_personal_data(override_reason)  # shown on the public need page
        if exceeds and not override_reason:
            raise NeedError(
                _(
                    "Accepting this need would exceed the community's service fund for %(year)s "
                    "(fund ¥%(fund)s, already committed ¥%(used)s, this need ¥%(cost)s). "
                    "Give a reason to override the fund limit."
                )
                % {
                    "year": need.year,
                    "fund": format_cny(fund.amount),
                    "used": format_cny(fund.committed),
                    "cost": format_cny(need.cost),
                },
                code="fund_exceeded",
            )
        need.accept(by=by, reason=override_reason if exceeds else public_answer)
        need.public_answer = public_answer
        need.fund_override_reason = override_reason if exceeds else ""
        need.decided_by = by
        need.decided_at = timezone.now()
        need.save()
        if exceeds:
            record_event(
                "need.fund_override",
                actor=by,
                obj=need,
                reason=override_reason,
                details={
                    "community": need.community.code,
                    "year": need.year,
                    "fund": str(fund.amount),
                    "committed_before": str(fund.committed),
                    "cost": str(need.cost),
                },
            )
        if notify:
            _notify_filer(need)
    return need


def decline_need(need, *, by, public_answer, notify=True):
    """Decline an assessed need; the public answer says why."""
    public_answer = _text(public_answer)
    with transaction.atomic():
        _require(permissions.can_decide(by, need))
        need = _locked_need(need)
        require(need.decline, by, NeedError, state_message=DECIDE_STATE_MESSAGE)
        if not public_answer:
            raise NeedError(_("Write the public answer: it tells the community why."), code="answer_required")
        _refuse_personal_data(public_answer)
        need.decline(by=by, reason=public_answer)
        need.public_answer = public_answer
        need.decided_by = by
        need.decided_at = timezone.now()
        need.save()
        if notify:
            _notify_filer(need)
    return need


def plan_need(need, *, by, project, reason=""):
    """A purchase project takes an accepted need up (accepted → planned).
    Called by the project services inside their transaction."""
    with transaction.atomic():
        _require(permissions.can_plan(by, need))
        need = _locked_need(need)
        require(need.plan, by, NeedError, state_message=_("Only an accepted need can be planned."))
        need.plan(by=by, reason=_text(reason), project=project.ref)
        need.project = project
        need.save()
    return need


def _notify_filer(need):
    if need.filed_by_id:
        notifications.send(
            messages.NEED_DECIDED,
            [need.filed_by],
            # The state's label, not its text: it is translated for the filer.
            {"title": need.title, "state": Need.State(need.state).label, "answer": need.public_answer},
        )
