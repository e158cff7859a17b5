"""Verbs on purchase projects (购买服务项目).

An officer drafts a project from catalogue items of the published catalogue
and accepted needs; another officer approves it, which publishes the call
(four eyes); organizations ask questions and officers answer in public;
addenda change the call and, too close to the deadline, move it; at the
deadline the bids are opened (``marketplace.procurement.services.opening``).

Each verb runs in one transaction: lock, check, transition (audited by the
``post_transition`` receiver), save, and schedule side effects on commit.  A
broken rule raises ``ProjectError`` (message for the user, optional form
field) and changes nothing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalogue.models import CatalogueItem, CatalogueVersion
from marketplace.core import events, notifications, workdays
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.fsm import require
from marketplace.core.models.places import Community
from marketplace.core.models.users import User
from marketplace.core.money import format_cny
from marketplace.core.permissions import Permission, is_officer  # noqa: F401 (is_officer: re-exported)
from marketplace.core.uploads import UploadRefusedError
from marketplace.needs import selectors as need_selectors
from marketplace.needs.models import Need
from marketplace.needs.services import plan_need
from marketplace.organizations.models import Organization
from marketplace.organizations.services import documents
from marketplace.procurement import permissions
from marketplace.procurement.models.projects import (
    Addendum,
    Clarification,
    DayCount,
    Project,
    ProjectDocument,
    ProjectSequence,
    PurchaseMethod,
    RubricCriterion,
)
from marketplace.procurement.permissions import enforce, has_shaped  # noqa: F401 (has_shaped: re-exported)
from marketplace.procurement.services.bids import after_addendum, notify_bidders, require_bidder

# ``is_officer`` and this name stay importable from here for the admin and
# the Wagtail hooks; the one definition is ``marketplace.core.permissions``.
OFFICER_PERMISSION = str(Permission.MANAGE_PROCUREMENT)
HUNDRED = Decimal("100")


class ProjectError(DomainError):
    """A project rule was broken; ``message`` is for the user, ``field``
    names the form field, ``code`` is stable for callers and tests."""

    default_code = "invalid"


def require_officer(user):
    """Refuse anybody but a procurement officer (``ProjectError``, code ``permission``)."""
    enforce(permissions.can_manage(user), ProjectError)


def _text(value):
    return (value or "").strip()


def lock_project(project):
    """The project's row, locked for the transaction (every project verb,
    the opening and the bid verbs take this lock first)."""
    return Project.objects.select_for_update(of=("self",)).get(pk=project.pk)


def officer_url(project):
    return reverse("projects:detail", args=[project.ref])


def public_url(project):
    return f"/projects/{project.ref}/"


# --- the rubric --------------------------------------------------------------------


@dataclass
class Criterion:
    name: str
    weight: Decimal
    description: str = ""
    max_score: Decimal | None = None
    is_price: bool = False


def _decimal(value, field, message):
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ProjectError(message, field) from None
    if not result.is_finite():
        raise ProjectError(message, field)
    return result


def clean_rubric(rows):
    """Check a rubric (a list of ``Criterion`` or dicts) and return it as
    ``Criterion`` objects.  The weights total exactly 100; exactly one
    criterion is the price, weighted within the configured range; every other
    criterion has a description and a maximum score."""
    criteria = []
    for row in rows:
        if isinstance(row, dict):
            row = Criterion(**row)
        name = _text(row.name)
        if not name:
            raise ProjectError(_("Every criterion needs a name."), "criteria")
        weight = _decimal(row.weight, "criteria", _("“%(name)s”: the weight must be a number.") % {"name": name})
        if weight <= 0 or weight != weight.quantize(Decimal("0.01")):
            raise ProjectError(
                _("“%(name)s”: the weight must be above 0, with at most two decimals.") % {"name": name}, "criteria"
            )
        max_score = None
        if not row.is_price:
            if not _text(row.description):
                raise ProjectError(_("“%(name)s”: describe what earns the score.") % {"name": name}, "criteria")
            if row.max_score in (None, ""):
                raise ProjectError(_("“%(name)s”: give the maximum score.") % {"name": name}, "criteria")
            max_score = _decimal(
                row.max_score, "criteria", _("“%(name)s”: the maximum score must be a number.") % {"name": name}
            )
            if max_score <= 0 or max_score != max_score.quantize(Decimal("0.01")):
                raise ProjectError(
                    _("“%(name)s”: the maximum score must be above 0, with at most two decimals.") % {"name": name},
                    "criteria",
                )
        criteria.append(
            Criterion(
                name=name,
                weight=weight,
                description=_text(row.description),
                max_score=max_score,
                is_price=bool(row.is_price),
            )
        )
    if not criteria:
        raise ProjectError(_("The rubric needs criteria."), "criteria")
    names = [c.name for c in criteria]
    if len(set(names)) != len(names):
        raise ProjectError(_("Two criteria have the same name."), "criteria")
    prices = [c for c in criteria if c.is_price]
    if len(prices) != 1:
        raise ProjectError(_("Exactly one criterion must be the price."), "criteria")
    low, high = settings.RUBRIC_PRICE_WEIGHT_MIN, settings.RUBRIC_PRICE_WEIGHT_MAX
    if not (low <= prices[0].weight <= high):
        raise ProjectError(
            _("The price weighs %(weight)s; for services it must weigh between %(low)s and %(high)s.")
            % {"weight": _number(prices[0].weight), "low": low, "high": high},
            "criteria",
        )
    total = sum((c.weight for c in criteria), Decimal("0"))
    if total != HUNDRED:
        raise ProjectError(
            _("The weights total %(total)s; they must total exactly 100.") % {"total": _number(total)}, "criteria"
        )
    return criteria


def _number(value):
    return f"{value.normalize():f}"


def rubric_of(project):
    return [
        Criterion(name=c.name, weight=c.weight, description=c.description, max_score=c.max_score, is_price=c.is_price)
        for c in project.criteria.all()
    ]


# --- service period and bidding period ------------------------------------------------


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_service_period(start, end, justification):
    if start is None or end is None:
        raise ProjectError(_("Give the service period."), "service_start")
    if end < start:
        raise ProjectError(_("The service cannot end before it starts."), "service_end")
    plain_end = _add_years(start, settings.SERVICE_PERIOD_PLAIN_YEARS) - datetime.timedelta(days=1)
    max_end = _add_years(start, settings.SERVICE_PERIOD_MAX_YEARS) - datetime.timedelta(days=1)
    if end > max_end:
        raise ProjectError(
            _("A service period may last at most %(years)s years (until %(date)s).")
            % {"years": settings.SERVICE_PERIOD_MAX_YEARS, "date": max_end.isoformat()},
            "service_end",
        )
    if end > plain_end and not _text(justification):
        raise ProjectError(_("A service period over one year needs a written justification."), "period_justification")


def earliest_deadline(method, published_at):
    """The first day on which a call published at ``published_at`` may close."""
    published_on = timezone.localdate(published_at)
    return workdays.add_days(published_on, method.min_period, method.period_unit)


def check_bidding_period(method, published_at, deadline):
    if deadline is None:
        raise ProjectError(_("Give the bid deadline."), "deadline")
    if deadline <= published_at:
        raise ProjectError(_("The bid deadline must be in the future."), "deadline")
    published_on = timezone.localdate(published_at)
    closing_on = timezone.localdate(deadline)
    counted = workdays.days_between(published_on, closing_on, method.period_unit)
    if counted < method.min_period:
        raise ProjectError(
            _(
                "%(method)s needs at least %(days)s %(unit)s between publication and the deadline; "
                "published on %(published)s, the deadline can be on %(earliest)s at the earliest."
            )
            % {
                "method": method.label,
                "days": method.min_period,
                "unit": _unit(method.period_unit),
                "published": published_on.isoformat(),
                "earliest": earliest_deadline(method, published_at).isoformat(),
            },
            "deadline",
        )


def _unit(unit):
    return DayCount(unit).label


# --- funds --------------------------------------------------------------------------


@dataclass(frozen=True)
class FundCheck:
    available: Decimal  # the served communities' remaining funds, plus what this project's needs already hold
    needs_cost: Decimal
    budget: Decimal

    @property
    def exceeded(self):
        return self.budget > self.available


def fund_check(*, communities, year, budget, needs=(), project=None):
    """Can ``budget`` be met from the served communities' funds for ``year``?
    Accepted needs already hold their cost; a project holds what its budget
    adds beyond the needs it takes up (split evenly across its communities)."""
    statuses = need_selectors.fund_statuses((c.pk, year) for c in communities)
    if project is not None and project.pk is not None and project.year == year:
        # What this project already holds in that year is its own to re-use.
        own = need_selectors.project_extra_shares(project)
        remaining = sum(
            (statuses[(c.pk, year)].remaining + own.get(c.pk, Decimal("0")) for c in communities), Decimal("0")
        )
    else:
        remaining = sum((statuses[(c.pk, year)].remaining for c in communities), Decimal("0"))
    needs_cost = sum(
        (n.cost for n in needs if n.year == year and n.community_id in {c.pk for c in communities}), Decimal("0")
    )
    return FundCheck(available=remaining + needs_cost, needs_cost=needs_cost, budget=budget)


# --- drafting ------------------------------------------------------------------------

DRAFT_FIELDS = (
    "title",
    "purchaser",
    "budget",
    "budget_override_reason",
    "method",
    "named_organization",
    "justification",
    "entry_standard",
    "service_start",
    "service_end",
    "period_justification",
    "deadline",
    "min_valid_bids",
    "description",
    "requirements",
)


def _next_ref(year):
    sequence, _created = ProjectSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{settings.PROJECT_REF_PREFIX}-{year}-{sequence.last:04d}"


def _clean(data, *, items, communities, needs, criteria, project=None):
    """Check a draft's content; return cleaned (data, items, communities, needs, criteria)."""
    data = dict(data)
    for field in ("title", "purchaser", "description"):
        if not _text(data.get(field)):
            raise ProjectError(_("Fill in this field."), field)
    for field in (
        "title",
        "purchaser",
        "budget_override_reason",
        "justification",
        "period_justification",
        "description",
        "requirements",
    ):
        data[field] = _text(data.get(field))
    method = data.get("method")
    if not isinstance(method, PurchaseMethod):
        raise ProjectError(_("Choose a purchase method."), "method")
    if not method.active and (project is None or project.method_id != method.pk):
        raise ProjectError(_("This purchase method is no longer in use."), "method")
    if data.get("entry_standard") is None:
        raise ProjectError(_("Choose an entry standard."), "entry_standard")
    budget = _decimal(data.get("budget"), "budget", _("Give the budget as an amount in yuan."))
    if budget <= 0 or budget != budget.quantize(Decimal("0.01")):
        raise ProjectError(_("The budget must be above 0, in yuan and fen."), "budget")
    if method.budget_cap is not None and budget > method.budget_cap:
        raise ProjectError(
            _("%(method)s projects may have at most ¥%(cap)s each.")
            % {"method": method.label, "cap": format_cny(method.budget_cap)},
            "budget",
        )
    data["budget"] = budget
    named = data.get("named_organization")
    if method.named_organization:
        if named is None:
            raise ProjectError(
                _("%(method)s names the organization that will be asked.") % {"method": method.label},
                "named_organization",
            )
        if named.state != Organization.State.APPROVED:
            raise ProjectError(_("The named organization must be approved on the platform."), "named_organization")
    else:
        data["named_organization"] = None
    if method.justification_required and not data["justification"]:
        raise ProjectError(
            _("%(method)s needs a justification, which is published with the call.") % {"method": method.label},
            "justification",
        )
    check_service_period(data.get("service_start"), data.get("service_end"), data["period_justification"])
    if data.get("deadline") is None:
        raise ProjectError(_("Give the bid deadline."), "deadline")
    if timezone.is_naive(data["deadline"]):
        raise ProjectError(_("The deadline needs a time zone."), "deadline")
    if data["deadline"] > timezone.now() + datetime.timedelta(days=366):
        raise ProjectError(_("The deadline must be within a year."), "deadline")
    if data["service_start"] <= timezone.localdate(data["deadline"]):
        raise ProjectError(_("The service must start after the bid deadline."), "service_start")
    min_bids = data.get("min_valid_bids") or method.min_valid_bids
    if int(min_bids) < method.min_valid_bids:
        raise ProjectError(
            _("%(method)s needs at least %(count)s valid bids.")
            % {"method": method.label, "count": method.min_valid_bids},
            "min_valid_bids",
        )
    data["min_valid_bids"] = int(min_bids)

    items = list(items)
    if not items:
        raise ProjectError(_("Choose at least one catalogue item."), "catalogue_items")
    published = CatalogueVersion.objects.filter(state=CatalogueVersion.State.PUBLISHED).first()
    if published is None or any(i.version_id != published.pk or not i.active for i in items):
        raise ProjectError(_("Choose items of the published catalogue that are in force."), "catalogue_items")
    communities = list(communities)
    if not communities:
        raise ProjectError(_("Choose the communities served."), "communities")
    needs = list(needs)
    own = {n.pk for n in project.needs.all()} if project is not None and project.pk else set()
    for need in needs:
        if need.pk in own and need.state == Need.State.PLANNED:
            continue
        if need.state != Need.State.ACCEPTED:
            raise ProjectError(
                _("“%(title)s” is not an accepted need waiting for a project.") % {"title": need.title}, "needs"
            )
        if need.community_id not in {c.pk for c in communities}:
            raise ProjectError(
                _("“%(title)s” comes from a community the project does not serve.") % {"title": need.title}, "needs"
            )
    criteria = clean_rubric(criteria)
    data["year"] = data["service_start"].year
    funds = fund_check(communities=communities, year=data["year"], budget=budget, needs=needs, project=project)
    if funds.exceeded and not data["budget_override_reason"]:
        raise ProjectError(
            _(
                "The budget ¥%(budget)s exceeds what the communities' funds for %(year)s have left "
                "(¥%(available)s). Lower it, or give a reason to exceed them."
            )
            % {"budget": format_cny(budget), "year": data["year"], "available": format_cny(funds.available)},
            "budget_override_reason",
        )
    if not funds.exceeded:
        data["budget_override_reason"] = ""
    return data, items, communities, needs, criteria


def _write(project, data, items, communities, criteria):
    for field in DRAFT_FIELDS + ("year",):
        setattr(project, field, data[field])
    project.save()
    project.catalogue_items.set(items)
    project.communities.set(communities)
    project.criteria.all().delete()
    RubricCriterion.objects.bulk_create(
        [
            RubricCriterion(
                project=project,
                position=position,
                name=c.name,
                description=c.description,
                weight=c.weight,
                max_score=c.max_score,
                is_price=c.is_price,
            )
            for position, c in enumerate(criteria)
        ]
    )


def _plan_needs(project, needs, by):
    keep = {n.pk for n in needs}
    for need in project.needs.filter(state=Need.State.PLANNED).exclude(pk__in=keep):
        _release(need, by, _("No longer part of %(ref)s.") % {"ref": project.ref}, detach=True)
    for need in needs:
        if need.state == Need.State.ACCEPTED:
            plan_need(need, by=by, project=project)


def _release(need, by, reason, *, detach=False):
    """Planned → accepted.  A need taken out of a draft forgets the project;
    one whose project was cancelled or failed keeps it (for the re-tender)."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.state == Need.State.PLANNED:
        need.release(by=by, reason=reason)
        if detach:
            need.project = None
        need.save()


def create_project(*, by, data, items, communities, criteria, needs=(), retender_of=None):
    """Draft a project.  ``data`` holds DRAFT_FIELDS; ``criteria`` the rubric."""
    with transaction.atomic():
        require_officer(by)
        data, items, communities, needs, criteria = _clean(
            data, items=items, communities=communities, needs=needs, criteria=criteria
        )
        project = Project(ref=_next_ref(timezone.localdate().year), created_by=by, retender_of=retender_of)
        _write(project, data, items, communities, criteria)
        record_event(
            "project.create",
            actor=by,
            obj=project,
            to_state=project.state,
            details={
                "ref": project.ref,
                "budget": project.budget,
                "method": project.method.code,
                "retender_of": retender_of.ref if retender_of else "",
            },
        )
        _plan_needs(project, needs, by)
    return project


def update_project(project, *, by, data, items, communities, criteria, needs=()):
    with transaction.atomic():
        project = lock_project(project)
        enforce(permissions.can_edit(by, project), ProjectError)
        data, items, communities, needs, criteria = _clean(
            data, items=items, communities=communities, needs=needs, criteria=criteria, project=project
        )
        before = {
            field: str(getattr(project, f"{field}_id", None) or getattr(project, field)) for field in DRAFT_FIELDS
        }
        _write(project, data, items, communities, criteria)
        after = {field: str(getattr(project, f"{field}_id", None) or getattr(project, field)) for field in DRAFT_FIELDS}
        record_event(
            "project.edit",
            actor=by,
            obj=project,
            details={"changed": sorted(f for f in DRAFT_FIELDS if before[f] != after[f])},
        )
        _plan_needs(project, needs, by)
    return project


def _validate_complete(project, *, now):
    """Everything a call needs before it goes to approval or out."""
    data = {field: getattr(project, field) for field in DRAFT_FIELDS}
    _clean(
        data,
        items=project.catalogue_items.all(),
        communities=project.communities.all(),
        needs=project.needs.filter(state=Need.State.PLANNED),
        criteria=rubric_of(project),
        project=project,
    )
    check_bidding_period(project.method, now, project.deadline)


def submit_for_approval(project, *, by):
    with transaction.atomic():
        project = lock_project(project)
        require(
            project.submit_for_approval, by, ProjectError, state_message=_("Only a draft can be sent for approval.")
        )
        _validate_complete(project, now=timezone.now())
        project.submit_for_approval(by=by)
        project.submitted_by = by
        project.returned_reason = ""
        project.save()
        notify_officers(
            project,
            exclude={project.created_by_id, by.pk},
            subject=_("Project %(ref)s awaits your approval") % {"ref": project.ref},
            body=_("%(who)s sent “%(title)s” for approval. A second officer must check and approve it.")
            % {"who": by.display_name, "title": project.title},
        )
    return project


def return_project(project, *, by, reason):
    reason = _text(reason)
    if not reason:
        raise ProjectError(_("Say what must change."), "reason")
    with transaction.atomic():
        project = lock_project(project)
        require(
            project.return_to_draft,
            by,
            ProjectError,
            state_message=_("Only a project awaiting approval can be returned."),
        )
        project.return_to_draft(by=by, reason=reason)
        project.returned_reason = reason
        project.save()
        _notify_author(project, _("Project %(ref)s was returned") % {"ref": project.ref}, reason)
    return project


def approve_project(project, *, by):
    """The second officer approves: the call is published with its page."""
    with transaction.atomic():
        project = lock_project(project)
        require(project.publish, by, ProjectError, state_message=_("Only a project awaiting approval can be approved."))
        now = timezone.now()
        _validate_complete(project, now=now)
        project.publish(by=by)
        project.approved_by = by
        project.published_at = now
        project.save()
        events.call_published.send(sender=Project, project=project)
        _notify_author(
            project,
            _("Project %(ref)s is published") % {"ref": project.ref},
            _("“%(title)s” was approved by %(who)s and is open for bids until %(deadline)s.")
            % {"title": project.title, "who": by.display_name, "deadline": format_when(project.deadline)},
        )
    return project


def cancel_project(project, *, by, reason):
    reason = _text(reason)
    if not reason:
        raise ProjectError(_("Give the reason for cancelling; it is published."), "reason")
    with transaction.atomic():
        require_officer(by)
        project = lock_project(project)
        require(project.cancel, by, ProjectError, state_message=_("This project can no longer be cancelled."))
        was_public = project.state not in (Project.State.DRAFT, Project.State.PENDING_APPROVAL)
        project.cancel(by=by, reason=reason)
        project.cancel_reason = reason
        project.cancelled_at = timezone.now()
        project.save()
        release_needs(project, by, _("%(ref)s was cancelled.") % {"ref": project.ref})
        if was_public:
            events.call_changed.send(sender=Project, project=project)
            notify_bidders(
                project,
                subject=_("Project %(ref)s was cancelled") % {"ref": project.ref},
                body=_("“%(title)s” was cancelled: %(reason)s") % {"title": project.title, "reason": reason},
            )
    return project


def release_needs(project, by, reason):
    for need in project.needs.filter(state=Need.State.PLANNED):
        _release(need, by, reason)


def retender(project, *, by):
    """A failed project, copied as a new draft (its needs go with it).
    The officer sets a new deadline before sending it for approval."""
    with transaction.atomic():
        project = lock_project(project)
        enforce(permissions.can_retender(by, project), ProjectError)
        data = {field: getattr(project, field) for field in DRAFT_FIELDS}
        now = timezone.now()
        earliest = earliest_deadline(project.method, now) + datetime.timedelta(days=1)
        local = timezone.localtime(project.deadline)
        data["deadline"] = timezone.make_aware(datetime.datetime.combine(earliest, local.time().replace(tzinfo=None)))
        needs = list(project.needs.filter(state=Need.State.ACCEPTED))
        copy = Project(ref=_next_ref(timezone.localdate().year), created_by=by, retender_of=project)
        # Not re-checked here: the copy is a draft; sending it for approval checks it all.
        data["year"] = project.year
        _write(copy, data, project.catalogue_items.all(), project.communities.all(), rubric_of(project))
        # The call's documents go with it (the same stored files; a draft's removal deletes only its row).
        ProjectDocument.objects.bulk_create(
            [
                ProjectDocument(
                    project=copy,
                    kind=d.kind,
                    title=d.title,
                    file=d.file.name,
                    original_name=d.original_name,
                    size=d.size,
                    sha256=d.sha256,
                    uploaded_by=d.uploaded_by,
                )
                for d in project.documents.all()
            ]
        )
        record_event(
            "project.create",
            actor=by,
            obj=copy,
            to_state=copy.state,
            details={"ref": copy.ref, "budget": copy.budget, "method": copy.method.code, "retender_of": project.ref},
        )
        for need in needs:
            plan_need(need, by=by, project=copy)
    return copy


# --- clarifications and addenda ------------------------------------------------------


def _require_open(project, now):
    if not permissions.call_is_open(project, now):
        raise ProjectError(_("The call is closed."), code="call_closed")


def ask_question(project, *, organization, by, question):
    question = _text(question)
    if not question:
        raise ProjectError(_("Write your question."), "question")
    if len(question) > 2000:
        raise ProjectError(_("At most 2,000 characters."), "question")
    with transaction.atomic():
        project = lock_project(project)
        _require_open(project, timezone.now())
        require_bidder(project, organization, by)
        clarification = Clarification.objects.create(
            project=project, organization=organization, asked_by=by, question=question
        )
        record_event("clarification.ask", actor=by, obj=clarification, details={"project": project.ref})
        notify_officers(
            project,
            exclude=set(),
            subject=_("A question on %(ref)s") % {"ref": project.ref},
            body=_("An organization asked a question on “%(title)s”. Answer it in the project's page.")
            % {"title": project.title},
        )
    return clarification


def answer_question(clarification, *, by, answer):
    answer = _text(answer)
    if not answer:
        raise ProjectError(_("Write the answer; it is published."), "answer")
    with transaction.atomic():
        require_officer(by)
        project = lock_project(clarification.project)
        clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
        clarification.project = project
        enforce(permissions.can_answer(by, clarification), ProjectError)
        clarification.answer = answer
        clarification.answered_by = by
        clarification.answered_at = timezone.now()
        clarification.save()
        record_event("clarification.answer", actor=by, obj=clarification, details={"project": project.ref})
        events.call_changed.send(sender=Project, project=project)
        members = User.objects.filter(memberships__organization_id=clarification.organization_id, is_active=True)
        notifications.notify_users(
            members,
            subject=_("Your question on %(ref)s was answered") % {"ref": project.ref},
            body=_("The answer is published on the call page (without your name)."),
            link=public_url(project),
        )
    return clarification


def addendum_deadline(project, issued_at):
    """The earliest deadline an addendum issued at ``issued_at`` leaves."""
    method = project.method
    day = workdays.add_days(timezone.localdate(issued_at), method.addendum_min_days, method.addendum_unit)
    local = timezone.localtime(project.deadline)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


def issue_addendum(project, *, by, text, new_deadline=None):
    """Publish an addendum (更正公告).  Too close to the deadline for the
    method's rule, the deadline moves; bidders are told, and submitted bids
    must be confirmed again."""
    text = _text(text)
    if not text:
        raise ProjectError(_("Say what changes."), "text")
    with transaction.atomic():
        require_officer(by)
        project = lock_project(project)
        now = timezone.now()
        enforce(permissions.can_issue_addendum(by, project, now), ProjectError)
        old = project.deadline
        deadline = old
        if new_deadline is not None:
            if timezone.is_naive(new_deadline):
                raise ProjectError(_("The deadline needs a time zone."), "new_deadline")
            if new_deadline < old:
                raise ProjectError(_("An addendum cannot bring the deadline forward."), "new_deadline")
            deadline = new_deadline
        required = addendum_deadline(project, now)
        extended = deadline < required
        if extended:
            deadline = required
        project.revision += 1
        project.deadline = deadline
        project.save(update_fields=["revision", "deadline", "updated_at"])
        addendum = Addendum.objects.create(
            project=project,
            number=project.revision,
            text=text,
            old_deadline=old,
            new_deadline=deadline,
            extended=extended,
            issued_by=by,
            issued_at=now,
        )
        record_event(
            "project.addendum",
            actor=by,
            obj=project,
            reason=text,
            details={"number": addendum.number, "old_deadline": old, "new_deadline": deadline, "extended": extended},
        )
        events.call_changed.send(sender=Project, project=project)
        after_addendum(project, addendum)
    return addendum


# --- notifications -------------------------------------------------------------------


def format_when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _notify_author(project, subject, body):
    notifications.notify_users([project.created_by], subject=subject, body=body, link=officer_url(project))


def notify_officers(project, *, exclude, subject, body):
    officers = User.objects.with_perm(OFFICER_PERMISSION, is_active=True, include_superusers=False)
    officers = officers.exclude(pk__in=exclude)
    notifications.notify_users(list(officers), subject=subject, body=body, link=officer_url(project))


def methods():
    return PurchaseMethod.objects.filter(active=True)


def community_choices():
    return Community.objects.select_related("district")


def item_choices():
    return CatalogueItem.objects.filter(version__state=CatalogueVersion.State.PUBLISHED, active=True)


# --- the call's documents ---------------------------------------------------------------


def upload_project_document(project, *, by, file, kind, title=""):
    """Attach a PDF to a draft call (public once the call is published)."""
    if kind not in ProjectDocument.Kind.values:
        raise ProjectError(_("Choose the kind of document."), "kind")
    with transaction.atomic():
        project = lock_project(project)
        enforce(permissions.can_change_documents(by, project), ProjectError)
        try:
            size, sha256, content_type = documents.read_upload(file, limit=settings.BID_DOCUMENT_MAX_BYTES)
        except UploadRefusedError as error:
            raise ProjectError(error.message, "file") from None
        if content_type != "application/pdf":
            raise ProjectError(_("Call documents must be PDF files (the content was checked, not the name)."), "file")
        name = documents.clean_original_name(getattr(file, "name", ""))
        document = ProjectDocument(
            project=project,
            kind=kind,
            title=(title or "").strip()[:200] or name,
            original_name=name,
            size=size,
            sha256=sha256,
            uploaded_by=by,
        )
        document.file.save(name, file, save=False)
        document.save()
        record_event(
            "projectdocument.upload", actor=by, obj=document, details={"project": project.ref, "sha256": sha256}
        )
    return document


def remove_project_document(document, *, by):
    with transaction.atomic():
        project = lock_project(document.project)
        enforce(permissions.can_change_documents(by, project), ProjectError)
        record_event("projectdocument.remove", actor=by, obj=document, details={"project": project.ref})
        document.delete()
