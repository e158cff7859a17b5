"""Forming the evaluation committee and the members' declarations (回避).

The random draw is reproducible: ``draw(seed, candidates, count)`` is a pure
function, and every draw records its seed and its sorted candidate list in
the audit log, so anyone holding the log can run it again and get the same
members (``redraw_from_event``).
"""

import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalogue.models import ServiceCategory
from marketplace.core import notifications
from marketplace.core.audit import record_event
from marketplace.core.models.users import User
from marketplace.evaluation import messages, permissions
from marketplace.evaluation.models import Committee, CommitteeMember, Declaration, Evaluator
from marketplace.organizations.models import Membership
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.models.projects import Project
from marketplace.procurement.services.projects import ProjectError, notify_officers

EVALUATE_PERMISSION = permissions.EVALUATE_PERMISSION
# The bids a member declares about: every bid that was opened.
DECLARED_STATES = (
    Bid.State.OPENED,
    Bid.State.QUALIFIED,
    Bid.State.DISQUALIFIED,
    Bid.State.AWARDED,
    Bid.State.NOT_AWARDED,
)


class CommitteeError(ProjectError):
    """A committee rule was broken (message for the user, field for the form)."""

    default_code = "committee"


def evaluation_url(project):
    return reverse("evaluate:project", args=[project.ref])


# --- the draw -------------------------------------------------------------------------


def new_seed():
    return secrets.token_hex(16)


def draw(seed, candidates, count):
    """``count`` evaluator ids drawn from ``candidates`` with ``seed``: the
    same seed and candidates always give the same result, in any process
    (a string seed does not depend on PYTHONHASHSEED)."""
    pool = sorted(int(pk) for pk in candidates)
    if count > len(pool):
        raise CommitteeError(
            _("Only %(available)s evaluators can be drawn; %(count)s are needed.")
            % {"available": len(pool), "count": count},
            code="pool_too_small",
        )
    return random.Random(str(seed)).sample(pool, count)


def redraw_from_event(event):
    """Run a recorded draw again from its audit event (for a check)."""
    details = event.details
    return draw(details["seed"], details["candidates"], len(details["drawn"]))


def _bidder_org_ids(project):
    return list(
        Bid.objects.filter(project=project, state__in=DECLARED_STATES).values_list("organization_id", flat=True)
    )


def excluded_users(project):
    """Accounts that can never sit on this project's committee: its officers
    and the members of any organization whose bid was opened."""
    users = set(
        Membership.objects.filter(organization_id__in=_bidder_org_ids(project)).values_list("user_id", flat=True)
    )
    users.update(pk for pk in (project.created_by_id, project.approved_by_id, project.submitted_by_id) if pk)
    return users


def eligible_evaluators(project, *, expertise=None, exclude=()):
    """Evaluators in the pool who may serve on ``project``: active, with the
    evaluator role, not its officers, not members of a bidder, not already
    (or formerly) on its committee; with ``expertise`` (categories), those
    with at least one of them."""
    evaluators = Evaluator.objects.filter(active=True, user__is_active=True).filter(
        user__in=User.objects.with_perm(EVALUATE_PERMISSION, is_active=True, include_superusers=False)
    )
    evaluators = evaluators.exclude(user_id__in=excluded_users(project)).exclude(pk__in=list(exclude))
    committee = Committee.objects.filter(project=project).first()
    if committee is not None:
        evaluators = evaluators.exclude(memberships__committee=committee)
    if expertise is not None:
        evaluators = evaluators.filter(expertise__in=list(expertise))
    return evaluators.distinct()


def default_expertise(project):
    """The major categories of the project's catalogue items."""
    ids = set()
    for item in project.catalogue_items.select_related("category"):
        ids.add(item.category.parent_id or item.category_id)
    return ServiceCategory.objects.filter(pk__in=ids)


def committee_size(method):
    size = method.committee_size
    if size is None or size < 3 or size % 2 == 0:
        raise CommitteeError(
            _("The method “%(method)s” sets a committee of %(size)s: it must be an odd number, at least 3.")
            % {"method": method.label, "size": size},
            code="committee_size",
        )
    return size


def lock_project(project):
    """The project (with its method), locked for the caller's transaction."""
    return Project.objects.select_for_update(of=("self",)).select_related("method").get(pk=project.pk)


def form_committee(project, *, by, expertise, appointments=(), seed=None):
    """Form the committee of ``project`` (bids opened, not failed): the
    ``appointments`` [(evaluator, reason)] by name, the rest drawn at random
    from the pool filtered by ``expertise``.  The first appointed member, or
    else the first drawn, is chair (``set_chair`` changes it).  The project
    moves to evaluation."""
    expertise = list(expertise)
    appointments = list(appointments)
    with transaction.atomic():
        project = lock_project(project)
        permissions.require(permissions.can_form_committee(by, project), CommitteeError)
        size = committee_size(project.method)
        if not expertise:
            raise CommitteeError(_("Choose at least one field of expertise to draw from."), "expertise", "expertise")
        if len(appointments) > size:
            raise CommitteeError(
                _("At most %(size)s members can be appointed.") % {"size": size}, "appointments", "too_many_appointed"
            )
        allowed = set(eligible_evaluators(project).values_list("pk", flat=True))
        appointed_ids = []
        for evaluator, reason in appointments:
            reason = (reason or "").strip()
            if evaluator.pk in appointed_ids:
                raise CommitteeError(
                    _("%(name)s is appointed twice.") % {"name": evaluator.name}, "appointments", "appointed_twice"
                )
            if evaluator.pk not in allowed:
                raise CommitteeError(
                    _("%(name)s cannot serve on this committee (not in the pool, or an officer or bidder here).")
                    % {"name": evaluator.name},
                    "appointments",
                    "not_eligible",
                )
            if not reason:
                raise CommitteeError(
                    _("Give the reason for appointing %(name)s by name.") % {"name": evaluator.name},
                    "appointments",
                    "reason",
                )
            appointed_ids.append(evaluator.pk)
        to_draw = size - len(appointments)
        seed = seed or new_seed()
        candidates = sorted(
            eligible_evaluators(project, expertise=expertise, exclude=appointed_ids).values_list("pk", flat=True)
        )
        if len(candidates) < to_draw:
            raise CommitteeError(
                _(
                    "Only %(available)s evaluators in the pool have this expertise and may serve; %(count)s must "
                    "be drawn. Choose more fields of expertise or appoint members by name."
                )
                % {"available": len(candidates), "count": to_draw},
                "expertise",
                "pool_too_small",
            )
        drawn = draw(seed, candidates, to_draw) if to_draw else []
        now = timezone.now()
        committee = Committee.objects.create(
            project=project,
            size=size,
            deviation_margin=Decimal(str(settings.EVALUATION_DEVIATION_MARGIN)),
            formed_by=by,
            formed_at=now,
        )
        committee.expertise.set(expertise)
        members = []
        for evaluator, reason in appointments:
            members.append(
                CommitteeMember(
                    committee=committee,
                    evaluator=evaluator,
                    selection=CommitteeMember.Selection.APPOINTED,
                    appointment_reason=reason.strip(),
                    joined_at=now,
                )
            )
        evaluators = Evaluator.objects.in_bulk(drawn)
        for pk in drawn:
            members.append(
                CommitteeMember(
                    committee=committee,
                    evaluator=evaluators[pk],
                    selection=CommitteeMember.Selection.DRAWN,
                    joined_at=now,
                )
            )
        members[0].is_chair = True
        for member in members:
            member.save()
        record_event(
            "committee.formed",
            actor=by,
            obj=committee,
            details={
                "project": project.ref,
                "size": size,
                "expertise": sorted(c.pk for c in expertise),
                "seed": seed,
                "candidates": candidates,
                "drawn": drawn,
                "appointed": [{"evaluator": e.pk, "reason": r.strip()} for e, r in appointments],
                "chair": members[0].evaluator_id,
            },
        )
        project.start_evaluation(by=by, reason=_("Evaluation committee formed."))
        project.save()
        _tell_members(project, members)
    return committee


def _tell_members(project, members):
    notifications.send(
        messages.COMMITTEE_APPOINTED,
        [member.evaluator.user for member in members],
        {"ref": project.ref, "title": project.title},
        link=evaluation_url(project),
    )


def replace_member(committee, *, by=None, reason):
    """Draw one replacement from the committee's expertise (inside the
    caller's transaction, after its locks).  Returns the new member, or
    None when nobody is left to draw (the officers are told to appoint)."""
    project = committee.project
    seed = new_seed()
    candidates = sorted(
        eligible_evaluators(project, expertise=list(committee.expertise.all())).values_list("pk", flat=True)
    )
    if not candidates:
        record_event(
            "committee.replacement_unavailable",
            actor=by,
            obj=committee,
            reason=reason,
            details={"project": project.ref, "seed": seed, "candidates": [], "drawn": []},
        )
        notify_officers(project, messages.APPOINT_MEMBER, exclude=[])
        return None
    drawn = draw(seed, candidates, 1)
    member = CommitteeMember.objects.create(
        committee=committee,
        evaluator=Evaluator.objects.get(pk=drawn[0]),
        selection=CommitteeMember.Selection.REPLACEMENT,
        joined_at=timezone.now(),
    )
    record_event(
        "committee.replacement_drawn",
        actor=by,
        obj=committee,
        reason=reason,
        details={"project": project.ref, "seed": seed, "candidates": candidates, "drawn": drawn},
    )
    _tell_members(project, [member])
    return member


def lock_committee(project):
    """The project, its committee and the committee's members, locked for
    the rest of the caller's transaction."""
    project = lock_project(project)
    committee = Committee.objects.filter(project=project).first()
    if committee is None:
        raise CommitteeError(_("This project has no committee yet."), code="no_committee")
    committee.project = project
    members = list(committee.members.select_for_update(of=("self",)).select_related("evaluator", "evaluator__user"))
    return project, committee, members


def active_members(committee):
    return committee.members.filter(status=CommitteeMember.Status.ACTIVE).select_related("evaluator__user")


def appoint_member(project, *, by, evaluator, reason):
    """Fill a vacant seat by name (a member withdrew and no replacement
    could be drawn, or the officer prefers a named expert): reason required."""
    reason = (reason or "").strip()
    if not reason:
        raise CommitteeError(_("Give the reason for appointing this member by name."), "reason", "reason")
    with transaction.atomic():
        project, committee, members = lock_committee(project)
        permissions.require(permissions.can_appoint_member(by, project), CommitteeError)
        serving = [m for m in members if m.active]
        if not eligible_evaluators(project).filter(pk=evaluator.pk).exists():
            raise CommitteeError(
                _("%(name)s cannot serve on this committee (not in the pool, or an officer or bidder here).")
                % {"name": evaluator.name},
                "evaluator",
                "not_eligible",
            )
        member = CommitteeMember.objects.create(
            committee=committee,
            evaluator=evaluator,
            selection=CommitteeMember.Selection.APPOINTED,
            appointment_reason=reason,
            is_chair=not any(m.is_chair for m in serving),
            joined_at=timezone.now(),
        )
        record_event(
            "committee.member_appointed",
            actor=by,
            obj=committee,
            reason=reason,
            details={"project": project.ref, "evaluator": evaluator.pk, "chair": member.is_chair},
        )
        _tell_members(project, [member])
    return member


def set_chair(project, *, by, member):
    with transaction.atomic():
        project, committee, members = lock_committee(project)
        permissions.require(permissions.can_set_chair(by, project), CommitteeError)
        member = next((m for m in members if m.pk == member.pk), None)
        if member is None or not member.active:
            raise CommitteeError(_("Only a serving member can chair the committee."), "member", "not_serving")
        for other in members:
            if other.is_chair and other.pk != member.pk:
                other.is_chair = False
                other.save(update_fields=["is_chair"])
        member.is_chair = True
        member.save(update_fields=["is_chair"])
        record_event(
            "committee.chair_set",
            actor=by,
            obj=committee,
            details={"project": project.ref, "chair": member.evaluator_id},
        )
    return member


# --- declarations -----------------------------------------------------------------------


member_for = permissions.member_for


def bidders_to_declare(project):
    """Every bid that was opened, with its organization (public since the opening)."""
    return list(
        Bid.objects.filter(project=project, state__in=DECLARED_STATES)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def declare(project, *, by, answers):
    """The member ``by`` declares about every bidder: ``answers`` maps a
    bid's pk to (relationship, detail).  Any relationship withdraws the
    member from the committee (a replacement is drawn); none lets the member
    read and score the bids."""
    with transaction.atomic():
        project, committee, members = lock_committee(project)
        permissions.require(permissions.can_declare(by, project), CommitteeError)
        member = next(m for m in members if m.evaluator.user_id == by.pk and m.active)
        bids = bidders_to_declare(project)
        missing = [bid for bid in bids if bid.pk not in answers]
        if missing:
            raise CommitteeError(
                _("Declare about every bidder; missing: %(names)s.")
                % {"names": "、".join(bid.organization.name for bid in missing)},
                "answers",
                "undeclared_bidder",
            )
        now = timezone.now()
        conflicts = []
        for bid in bids:
            relationship, detail = answers[bid.pk]
            detail = (detail or "").strip()
            if relationship not in Declaration.Relationship.values:
                raise CommitteeError(_("Choose a relationship for every bidder."), "answers", "relationship")
            if relationship != Declaration.Relationship.NONE:
                if not detail:
                    raise CommitteeError(
                        _("Describe your relationship with %(name)s.") % {"name": bid.organization.name},
                        "answers",
                        "relationship_detail",
                    )
                conflicts.append(bid)
            Declaration.objects.create(
                member=member, bid=bid, relationship=relationship, detail=detail, declared_at=now
            )
        details = {
            "project": project.ref,
            "evaluator": member.evaluator_id,
            "bidders": [bid.organization_id for bid in bids],
            "conflicts": [bid.organization_id for bid in conflicts],
        }
        if not conflicts:
            member.declared_at = now
            member.save(update_fields=["declared_at"])
            record_event("committee.declared", actor=by, obj=member, details=details)
            return member
        member.status = CommitteeMember.Status.RECUSED
        member.recused_at = now
        member.declared_at = now
        was_chair = member.is_chair
        member.is_chair = False
        member.save(update_fields=["status", "recused_at", "declared_at", "is_chair"])
        reason = _("Declared a relationship with a bidder (回避).")
        record_event("committee.member_recused", actor=by, obj=member, reason=reason, details=details)
        replacement = replace_member(committee, by=by, reason=reason)
        if was_chair and replacement is not None:
            replacement.is_chair = True
            replacement.save(update_fields=["is_chair"])
            record_event(
                "committee.chair_set",
                actor=by,
                obj=committee,
                reason=_("The chair withdrew; the replacement chairs the committee."),
                details={"project": project.ref, "chair": replacement.evaluator_id},
            )
        notify_officers(
            project,
            messages.MEMBER_WITHDREW,
            {"name": member.evaluator.name, "replaced": replacement is not None},
            exclude=[],
        )
    return member
