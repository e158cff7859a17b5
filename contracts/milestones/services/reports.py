"""Milestone reports (issue 15, 7): the organization writes a report per
milestone (a narrative, a service log, evidence files), saves it as a draft
as often as it likes, then submits it (``Milestone.submit_report``: pending
or rejected → submitted).  A rejected milestone gets a new report, the next
round (a rectification); earlier rounds stay as they were submitted.

Every step here: one transaction, the milestone locked, the rule asked
(``permissions.delivery.can_write_report``, the transition's guards), the
audit event, notifications on commit.  Evidence files are read (size,
SHA-256, type sniffed from the content: PDF, JPEG or PNG) before anything is
locked, stored privately inside the transaction, and deleted again when it
rolls back."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.milestones import delivery_messages as messages
from contracts.milestones.models import Evidence, MilestoneReport, ServiceLogEntry
from contracts.milestones.permissions import delivery as permissions
from contracts.milestones.services.locks import lock_milestone
from marketplace.core import notifications, uploads
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.fsm import require
from marketplace.core.models.users import User
from marketplace.core.permissions import Permission

logger = logging.getLogger(__name__)

#: per file (settings.MILESTONE_EVIDENCE_MAX_BYTES may lower or raise it)
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: files per report
MAX_EVIDENCE_FILES = 20
NAME_LENGTH = Evidence._meta.get_field("original_name").max_length
TITLE_LENGTH = Evidence._meta.get_field("title").max_length


class DeliveryError(DomainError):
    """A refused delivery step (reports, supervision)."""

    default_code = "delivery"


def evidence_limit():
    return int(getattr(settings, "MILESTONE_EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES))


def require_decision(decision, code="permission"):
    if not decision:
        raise DeliveryError(decision.reason, code=code)


def read_file(file, *, limit, field, allowed=(uploads.PDF, uploads.JPEG, uploads.PNG)):
    """``(size, sha256, content_type, original_name)`` of an upload, checked by
    content; a refusal is a ``DeliveryError`` on ``field``."""
    try:
        size, sha256, content_type = uploads.read_upload(file, limit=limit)
    except uploads.UploadRefusedError as refused:
        raise DeliveryError(refused.message, field, code=refused.code) from None
    if content_type not in allowed:
        raise DeliveryError(
            _("This file is not a JPEG or PNG picture (its content was checked, not its name)."),
            field,
            code="unknown_type",
        )
    return size, sha256, content_type, uploads.clean_original_name(getattr(file, "name", ""), max_length=NAME_LENGTH)


def delete_stored(names, model=Evidence):
    storage = model._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - the file is unreachable without its row
            logger.exception("Could not delete the stored file %s", name)


# --- reading -------------------------------------------------------------------------------------------


def current_draft(milestone):
    """The report being written for the milestone's current round, or None."""
    return milestone.reports.filter(submitted_at__isnull=True).order_by("-round").first()


def next_round(milestone):
    return (milestone.reports.aggregate(last=Max("round"))["last"] or 0) + 1


# --- writing ---------------------------------------------------------------------------------------------


def _check_entry(milestone, entry):
    """A service log entry's rules beyond its form: the community is one the
    contract serves, the date within the contract's term and not ahead of
    today."""
    contract = milestone.contract
    if not contract.communities.filter(pk=entry["community"].pk).exists():
        raise DeliveryError(_("Choose one of the communities this contract serves."), "community", code="community")
    day = entry["day"]
    if day > timezone.localdate():
        raise DeliveryError(_("The date of an activity cannot be in the future."), "day", code="future")
    if day < contract.starts_on or day > contract.ends_on:
        raise DeliveryError(_("The date must fall within the contract's term."), "day", code="term")


def save_draft(
    milestone,
    *,
    by,
    narrative,
    documented_cost=None,
    entry=None,
    files=(),
    evidence_title="",
    remove_entries=(),
    remove_evidence=(),
):
    """Save the milestone's draft report (made for the current round when
    there is none): the narrative, one more service log entry (``entry``: a
    dict of the log's fields), evidence files, and entries or files to
    remove.  Returns the report.  A refusal changes nothing and stores no
    file."""
    require_decision(permissions.can_write_report(by, milestone))
    files = [f for f in files if f]
    checked = [read_file(file, limit=evidence_limit(), field="evidence") + (file,) for file in files]
    stored = []
    try:
        with transaction.atomic():
            milestone = lock_milestone(milestone)
            require_decision(permissions.can_write_report(by, milestone))
            if entry is not None:
                _check_entry(milestone, entry)
            report = current_draft(milestone)
            created = report is None
            if created:
                report = MilestoneReport(milestone=milestone, round=next_round(milestone))
            report.narrative = (narrative or "").strip()
            if milestone.contract.cost_share_cap is not None:
                if documented_cost is not None and documented_cost < 0:
                    raise DeliveryError(_("The documented cost cannot be negative."), "documented_cost", code="cost")
                report.documented_cost = documented_cost
            report.save()
            removed_entries = list(
                report.log.filter(pk__in=[int(pk) for pk in remove_entries]).values_list("pk", flat=True)
            )
            if removed_entries:
                ServiceLogEntry.objects.filter(pk__in=removed_entries).delete()
            removed_files = list(report.evidence.filter(pk__in=[int(pk) for pk in remove_evidence]))
            for evidence in removed_files:
                name = evidence.file.name
                evidence.delete()
                transaction.on_commit(lambda name=name: delete_stored([name]))
            if entry is not None:
                ServiceLogEntry.objects.create(report=report, **entry)
            if report.evidence.count() + len(checked) > MAX_EVIDENCE_FILES:
                raise DeliveryError(
                    _("At most %(count)s evidence files per report.") % {"count": MAX_EVIDENCE_FILES},
                    "evidence",
                    code="too_many_files",
                )
            title = " ".join(str(evidence_title or "").split())[:TITLE_LENGTH]
            added = []
            for size, sha256, content_type, name, file in checked:
                evidence = Evidence(
                    report=report,
                    title=title or name,
                    original_name=name,
                    content_type=content_type,
                    size=size,
                    sha256=sha256,
                    uploaded_by=by,
                )
                evidence.file.save(name, file, save=False)
                stored.append(evidence.file.name)
                evidence.save()
                added.append(sha256)
            record_event(
                "milestone.report_saved",
                actor=by,
                obj=milestone,
                to_state=milestone.state,
                details={
                    "report": report.pk,
                    "round": report.round,
                    "created": created,
                    "log_added": entry is not None,
                    "log_removed": removed_entries,
                    "evidence_added": added,
                    "evidence_removed": [e.pk for e in removed_files],
                },
            )
    except BaseException:
        delete_stored(stored)
        raise
    return report


def officers():
    return list(
        User.objects.with_perm(str(Permission.MANAGE_PROCUREMENT), is_active=True, include_superusers=False).order_by(
            "pk"
        )
    )


def members(organization):
    return list(User.objects.filter(memberships__organization=organization, is_active=True).order_by("pk"))


def officer_url(milestone):
    return reverse("delivery:milestone", args=[milestone.pk])


def organization_url(milestone):
    return reverse("delivery_org:milestone", args=[milestone.contract.organization_id, milestone.pk])


def message_context(milestone, **extra):
    contract = milestone.contract
    return {
        "number": contract.number,
        "organization": contract.organization.name,
        "milestone": milestone.title,
        "milestone_number": milestone.number,
        **extra,
    }


def submit_report(milestone, *, by):
    """Submit the draft report: the milestone moves to ``submitted`` and
    the officers are told.  Returns the report."""
    with transaction.atomic():
        milestone = lock_milestone(milestone)
        require_decision(permissions.can_write_report(by, milestone))
        require(milestone.submit_report, by, DeliveryError)
        report = current_draft(milestone)
        if milestone.contract.cost_share_cap is not None and report.documented_cost is None:
            raise DeliveryError(
                _("Enter the documented cost before submitting."), "documented_cost", code="cost_required"
            )
        milestone.submit_report(by=by, reason=f"report round {report.round}")
        report.submitted_by = by
        report.submitted_at = timezone.now()
        report.save(update_fields=["submitted_by", "submitted_at", "updated_at"])
        rectification = report.round > 1
        # The report deadline's reminders are over; the evaluation's start afresh.
        milestone.light_notified = ""
        milestone.save()
        record_event(
            "milestone.report_filed",
            actor=by,
            obj=milestone,
            to_state=milestone.state,
            details={
                "report": report.pk,
                "round": report.round,
                "log_entries": report.log.count(),
                "documented_cost": None if report.documented_cost is None else str(report.documented_cost),
                "evidence": list(report.evidence.values_list("sha256", flat=True)),
            },
        )
        context = message_context(milestone, round=report.round, rectification=rectification)
        notifications.send(messages.REPORT_SUBMITTED, officers(), context, link=officer_url(milestone))
    return report
