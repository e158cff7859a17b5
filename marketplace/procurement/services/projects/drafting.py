"""Drafting a project: create and update a draft (its rubric, catalogue
items, communities and planned needs), and releasing its needs."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalogue.models import CatalogueVersion
from marketplace.core.audit import record_event
from marketplace.core.money import format_cny
from marketplace.needs.models import Need
from marketplace.needs.services import plan_need
from marketplace.organizations.models import Organization
from marketplace.procurement import permissions
from marketplace.procurement.models.projects import (
    Project,
    ProjectSequence,
    PurchaseMethod,
    RubricCriterion,
)
from marketplace.procurement.permissions import enforce
from marketplace.procurement.services.projects.base import ProjectError, clean_text, lock_project, require_officer
from marketplace.procurement.services.projects.rules import (
    DRAFT_FIELDS,
    check_service_period,
    clean_rubric,
    fund_check,
    parse_decimal,
)

# --- drafting ------------------------------------------------------------------------


def next_ref(year):
    sequence, _created = ProjectSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{settings.PROJECT_REF_PREFIX}-{year}-{sequence.last:04d}"


def clean_draft(data, *, items, communities, needs, criteria, project=None):
    """Check a draft's content; return cleaned (data, items, communities, needs, criteria)."""
    data = dict(data)
    for field in ("title", "purchaser", "description"):
        if not clean_text(data.get(field)):
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
        data[field] = clean_text(data.get(field))
    method = data.get("method")
    if not isinstance(method, PurchaseMethod):
        raise ProjectError(_("Choose a purchase method."), "method")
    if not method.active and (project is None or project.method_id != method.pk):
        raise ProjectError(_("This purchase method is no longer in use."), "method")
    if data.get("entry_standard") is None:
        raise ProjectError(_("Choose an entry standard."), "entry_standard")
    budget = parse_decimal(data.get("budget"), "budget", _("Give the budget as an amount in yuan."))
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


def write_draft(project, data, items, communities, criteria):
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
        data, items, communities, needs, criteria = clean_draft(
            data, items=items, communities=communities, needs=needs, criteria=criteria
        )
        project = Project(ref=next_ref(timezone.localdate().year), created_by=by, retender_of=retender_of)
        write_draft(project, data, items, communities, criteria)
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
        data, items, communities, needs, criteria = clean_draft(
            data, items=items, communities=communities, needs=needs, criteria=criteria, project=project
        )
        before = {
            field: str(getattr(project, f"{field}_id", None) or getattr(project, field)) for field in DRAFT_FIELDS
        }
        write_draft(project, data, items, communities, criteria)
        after = {field: str(getattr(project, f"{field}_id", None) or getattr(project, field)) for field in DRAFT_FIELDS}
        record_event(
            "project.edit",
            actor=by,
            obj=project,
            details={"changed": sorted(f for f in DRAFT_FIELDS if before[f] != after[f])},
        )
        _plan_needs(project, needs, by)
    return project


def release_needs(project, by, reason):
    for need in project.needs.filter(state=Need.State.PLANNED):
        _release(need, by, reason)
