"""Community supervision (过程监管, issue 15, 9): community workers of a
community an active contract serves record their visits (what they saw,
residents counted, issues, photos) and their residents' committee's opinion
on each milestone (one per community per milestone, part of the milestone's
acceptance file).  The organization reads them and answers each record
once.

Photos are JPEG or PNG, checked by content, size-limited and stored
privately (``marketplace.core.uploads``)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.contracts.models import Contract
from contracts.milestones import delivery_messages as messages
from contracts.milestones.models import CommitteeOpinion, SupervisionPhoto, SupervisionRecord
from contracts.milestones.permissions import delivery as permissions
from contracts.milestones.services.reports import (
    DeliveryError,
    delete_stored,
    lock_milestone,
    members,
    message_context,
    organization_url,
    read_file,
    require_decision,
)
from marketplace.core import notifications, uploads
from marketplace.core.audit import record_event

PHOTO_MAX_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 10


def photo_limit():
    return int(getattr(settings, "SUPERVISION_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES))


def lock_contract(contract):
    return Contract.objects.select_for_update(of=("self",)).select_related("organization").get(pk=contract.pk)


def _notify_organization(contract, milestone, message_type, **extra):
    if milestone is not None:
        context, link = message_context(milestone, **extra), organization_url(milestone)
    else:
        context = {"number": contract.number, "organization": contract.organization.name, **extra}
        link = reverse("delivery_org:index", args=[contract.organization_id])
    notifications.send(message_type, members(contract.organization), context, link=link)


def add_record(contract, *, by, visited_on, observed, attendance, issues="", milestone=None, photos=()):
    """A worker's supervision visit; returns the record."""
    require_decision(permissions.can_supervise(by, contract))
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise DeliveryError(_("At most %(count)s photos.") % {"count": MAX_PHOTOS}, "photos", code="too_many_files")
    checked = [
        read_file(photo, limit=photo_limit(), field="photos", allowed=(uploads.JPEG, uploads.PNG)) + (photo,)
        for photo in photos
    ]
    if visited_on > timezone.localdate():
        raise DeliveryError(_("The visit date cannot be in the future."), "visited_on", code="future")
    observed = (observed or "").strip()
    if not observed:
        raise DeliveryError(_("Say what you saw."), "observed", code="observed")
    stored = []
    try:
        with transaction.atomic():
            contract = lock_contract(contract)
            require_decision(permissions.can_supervise(by, contract))
            if milestone is not None and milestone.contract_id != contract.pk:
                raise DeliveryError(_("Choose a milestone of this contract."), "milestone", code="milestone")
            record = SupervisionRecord.objects.create(
                contract=contract,
                milestone=milestone,
                community_id=by.community_id,
                author=by,
                visited_on=visited_on,
                observed=observed,
                attendance=attendance,
                issues=(issues or "").strip(),
            )
            for size, sha256, content_type, name, file in checked:
                photo = SupervisionPhoto(
                    record=record,
                    original_name=name,
                    content_type=content_type,
                    size=size,
                    sha256=sha256,
                    uploaded_by=by,
                )
                photo.file.save(name, file, save=False)
                stored.append(photo.file.name)
                photo.save()
            record_event(
                "contract.supervision_recorded",
                actor=by,
                obj=contract,
                to_state=contract.state,
                details={
                    "record": record.pk,
                    "community": by.community_id,
                    "milestone": getattr(milestone, "pk", None),
                    "visited_on": visited_on.isoformat(),
                    "attendance": attendance,
                    "photos": [c[1] for c in checked],
                },
            )
            _notify_organization(
                contract,
                milestone,
                messages.SUPERVISION_RECORDED,
                community=str(by.community),
                visited_on=visited_on,
                issues=bool(record.issues),
            )
    except BaseException:
        delete_stored(stored, SupervisionPhoto)
        raise
    return record


def add_opinion(milestone, *, by, opinion, satisfied):
    """The residents' committee's opinion on a milestone, once per community."""
    contract = milestone.contract
    require_decision(permissions.can_supervise(by, contract))
    opinion = (opinion or "").strip()
    if not opinion:
        raise DeliveryError(_("Write the committee's opinion."), "opinion", code="opinion")
    with transaction.atomic():
        milestone = lock_milestone(milestone)
        require_decision(permissions.can_supervise(by, milestone.contract))
        if CommitteeOpinion.objects.filter(milestone=milestone, community_id=by.community_id).exists():
            raise DeliveryError(
                _("Your residents' committee has given its opinion on this milestone already."),
                code="opinion_exists",
            )
        try:
            with transaction.atomic():
                record = CommitteeOpinion.objects.create(
                    milestone=milestone,
                    community_id=by.community_id,
                    opinion=opinion,
                    satisfied=bool(satisfied),
                    author=by,
                )
        except IntegrityError:
            raise DeliveryError(
                _("Your residents' committee has given its opinion on this milestone already."),
                code="opinion_exists",
            ) from None
        record_event(
            "milestone.committee_opinion",
            actor=by,
            obj=milestone,
            to_state=milestone.state,
            details={"opinion": record.pk, "community": by.community_id, "satisfied": bool(satisfied)},
        )
        _notify_organization(
            milestone.contract, milestone, messages.OPINION_RECORDED, community=str(by.community), satisfied=satisfied
        )
    return record


def respond(record, *, by, response):
    """The organization's one answer to a supervision record."""
    response = (response or "").strip()
    if not response:
        raise DeliveryError(_("Write your answer."), "response", code="response")
    with transaction.atomic():
        record = (
            SupervisionRecord.objects.select_for_update(of=("self",))
            .select_related("contract__organization", "author")
            .get(pk=record.pk)
        )
        require_decision(permissions.can_respond(by, record))
        record.response = response
        record.responded_by = by
        record.responded_at = timezone.now()
        record.save(update_fields=["response", "responded_by", "responded_at"])
        record_event(
            "contract.supervision_answered",
            actor=by,
            obj=record.contract,
            to_state=record.contract.state,
            details={"record": record.pk},
        )
        notifications.send(
            messages.SUPERVISION_ANSWERED,
            [record.author],
            {"number": record.contract.number, "organization": record.contract.organization.name},
            link=reverse("supervision:contract", args=[record.contract_id]),
        )
    return record
