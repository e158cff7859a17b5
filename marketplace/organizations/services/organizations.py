"""Verbs on social organizations (社会组织): the officers' decisions here;
the wizard, submission and upgrade in ``registration``, field validation in
``validation``, the shared error and notifications in ``base``.  This module
re-exports their public names, so ``services.organizations`` stays the one
door callers use.

Members (platform accounts with a ``Membership``) build the record in the
three-step wizard, upload documents and submit it; procurement officers
decide (return with reasons per step, approve, suspend, reinstate,
blacklist).  Officers never edit an organization's data, and nobody decides
on an organization they belong to.

Each verb runs in one transaction: it locks the organization row, checks the
permission and the rules, calls the django-fsm transition (whose
``post_transition`` receiver writes the audit event from ``by``/``reason``),
saves, and schedules notifications for after the commit.  A broken rule
raises ``OrganizationError`` with a message for the user (and, for forms, the
field it concerns) and changes nothing.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from marketplace.core.audit import record_event
from marketplace.core.fsm import require as require_transition
from marketplace.core.permissions import is_officer  # noqa: F401  (re-exported for older callers)
from marketplace.organizations import messages, permissions
from marketplace.organizations.models import Organization
from marketplace.organizations.permissions import has_acted_for, is_member, membership  # noqa: F401
from marketplace.organizations.services.base import (  # noqa: F401  (the domain's names, in one place)
    MEMBER_ROLE,
    REQUIRED_DOCUMENTS,
    RETURN_SECTIONS,
    OrganizationError,
    ensure_member_role,
    locked,
    require,
    workspace_url,
)
from marketplace.organizations.services.base import notify_members as _notify_members
from marketplace.organizations.services.registration import (  # noqa: F401
    STEPS,
    MissingItem,
    Step,
    missing_items,
    save_step,
    set_qualification,
    start_organization,
    submit,
    upgrade_to_registered,
)
from marketplace.organizations.services.validation import (  # noqa: F401
    ID_NUMBER,
    PHONE,
    clean_staff_names,
    min_capital,
    validate_capital,
    validate_credit_code,
    validate_id_number,
)

# --- decisions -----------------------------------------------------------------------


def _reload_message(organization):
    return _("This organization is %(state)s now; reload the page.") % {"state": organization.get_state_display()}


def _decide(organization, *, by, verb, reason="", message, context=None, check=None, **kwargs):
    """Lock, ask who decides (``permissions.can_decide``: an officer who never
    acted for it) and the state machine, take the step, notify the members."""
    with transaction.atomic():
        organization = locked(organization)
        require(permissions.can_decide(by, organization))
        require_transition(
            getattr(organization, verb), by, OrganizationError, state_message=_reload_message(organization)
        )
        if check is not None:
            check(organization)
        getattr(organization, verb)(by=by, reason=reason, **kwargs)
        organization.save()
        _notify_members(organization, message, context)
    return organization


def return_for_changes(organization, *, by, reasons):
    """Return with a reason per section (``RETURN_SECTIONS``)."""
    cleaned = {key: " ".join(str(text).split()) for key, text in (reasons or {}).items() if key in RETURN_SECTIONS}
    cleaned = {key: text for key, text in cleaned.items() if text}
    if not cleaned:
        raise OrganizationError(_("Give at least one reason, next to what must change."), "reasons")
    summary = _reasons_text(cleaned)
    with transaction.atomic():
        organization = locked(organization)
        require(permissions.can_decide(by, organization))
        require_transition(
            organization.return_for_changes,
            by,
            OrganizationError,
            state_message=_("Only a submitted organization can be returned."),
        )
        organization.return_for_changes(by=by, reason=summary)
        organization.return_reasons = cleaned
        organization.save()
        # The sections' names in each member's language.
        _notify_members(organization, messages.RETURNED, {"reasons": lazy(_reasons_text, str)(cleaned)})
    return organization


def _reasons_text(cleaned):
    return "\n".join(f"{RETURN_SECTIONS[key]}: {text}" for key, text in cleaned.items())


def _complete_for_approval(organization):
    # A required document may have expired (or been replaced) since submission.
    missing = missing_items(organization)
    if missing:
        raise OrganizationError(
            _("It cannot be approved while something is missing; return it for changes instead. Missing: %(items)s")
            % {"items": " ".join(missing)},
            code="incomplete",
        )


def approve(organization, *, by, note=""):
    return _decide(
        organization,
        by=by,
        verb="approve",
        check=_complete_for_approval,
        reason=(note or "").strip(),
        message=messages.APPROVED,
    )


def suspend(organization, *, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise OrganizationError(_("Give the reason for the suspension."), "reason")
    return _decide(
        organization,
        by=by,
        verb="suspend",
        reason=reason,
        message=messages.SUSPENDED,
        context={"reason": reason},
    )


def reinstate(organization, *, by, reason=""):
    return _decide(
        organization,
        by=by,
        verb="reinstate",
        reason=(reason or "").strip(),
        message=messages.REINSTATED,
    )


def blacklist(organization, *, by, reason, until):
    reason = (reason or "").strip()
    if not reason:
        raise OrganizationError(_("Give the reason for blacklisting."), "reason")
    if until is None or until <= timezone.localdate():
        raise OrganizationError(_("The end date must be after today."), "until")
    return _decide(
        organization,
        by=by,
        verb="blacklist",
        reason=reason,
        until=until,
        message=messages.BLACKLISTED,
        context={"until": until.isoformat(), "reason": reason},
    )


def lift_ended_blacklists(*, today=None):
    """Daily: blacklisting ends at its end date (the platform acts, no user)."""
    today = today or timezone.localdate()
    lifted = []
    due = Organization.objects.filter(state=Organization.State.BLACKLISTED, blacklisted_until__lte=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            organization = Organization.objects.select_for_update().get(pk=pk)
            if organization.state != Organization.State.BLACKLISTED or organization.blacklisted_until > today:
                continue
            ended = organization.blacklisted_until
            organization.lift_blacklist(by=None, reason=_("Blacklisting ended on %(date)s.") % {"date": ended})
            organization.save()
            _notify_members(organization, messages.BLACKLISTING_ENDED, {"date": ended.isoformat()})
            lifted.append(organization.pk)
    return lifted


def confirm_registration(organization, *, by, note=""):
    """An officer has checked an upgraded organization's registration (the
    certificate among its documents against the credit code)."""
    with transaction.atomic():
        organization = locked(organization)
        require(permissions.can_decide(by, organization))
        if not organization.is_registered or organization.registration_verified_at is not None:
            raise OrganizationError(_("There is no registration waiting to be confirmed."), code="nothing_to_confirm")
        if not organization.awaiting_registration_confirmation:  # state: approved or suspended
            raise OrganizationError(_("A registration is confirmed with the organization's approval."), code="state")
        organization.registration_verified_at = timezone.now()
        organization.registration_verified_by = by
        organization.save(update_fields=["registration_verified_at", "registration_verified_by", "updated_at"])
        record_event(
            "organization.confirm_registration",
            actor=by,
            obj=organization,
            to_state=organization.state,
            reason=(note or "").strip(),
            details={"credit_code": organization.credit_code},
        )
        _notify_members(organization, messages.REGISTRATION_CONFIRMED)
    return organization
