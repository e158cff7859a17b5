"""Verbs on the catalogue: draft a version (optionally copied forward from
another), publish it, retire an item.  One transaction each; the FSM
transition writes its audit event; other changes call record_event."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalogue import permissions
from marketplace.catalogue.models import CatalogueItem, CatalogueVersion
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.fsm import require


class CatalogueError(DomainError):
    """A catalogue rule was broken; the message is for the user."""

    default_code = "catalogue"


def _require_officer(user):
    decision = permissions.can_change_catalogue(user)
    if not decision:
        raise CatalogueError(decision.reason, code="permission")


ITEM_COPY_FIELDS = [
    "category_id" if field == "category" else field
    for field in CatalogueItem.CONTENT_FIELDS + CatalogueItem.EXIT_FIELDS
]


@transaction.atomic
def create_version(*, year, name, by, based_on=None, notes=""):
    """A new draft.  With ``based_on`` every item is copied forward (retired
    ones too, so the history of each code stays continuous)."""
    _require_officer(by)
    if CatalogueVersion.objects.filter(name=name).exists():
        raise CatalogueError(_("A catalogue version with this name exists already."), "name", code="name_taken")
    version = CatalogueVersion.objects.create(year=year, name=name, based_on=based_on, notes=notes)
    copied = 0
    if based_on is not None:
        items = [
            CatalogueItem(version=version, previous=item, **{f: getattr(item, f) for f in ITEM_COPY_FIELDS})
            for item in based_on.items.all()
        ]
        CatalogueItem.objects.bulk_create(items)
        copied = len(items)
    record_event(
        "catalogueversion.create",
        actor=by,
        obj=version,
        to_state=version.state,
        details={"based_on": based_on.pk if based_on else None, "copied_items": copied},
    )
    return version


@transaction.atomic
def publish_version(version, *, by):
    """Publish a draft; the version published before it is superseded.  The
    published version is immutable from then on."""
    _require_officer(by)
    # Lock every version (a short list, in id order): two publications queue
    # instead of both finding "nothing published" and colliding.
    locked = {v.pk: v for v in CatalogueVersion.objects.select_for_update().order_by("pk")}
    version = locked[version.pk]
    require(version.publish, by, CatalogueError, state_message=_("Only a draft can be published."))
    for previous in (v for v in locked.values() if v.state == CatalogueVersion.State.PUBLISHED):
        previous.supersede(by=by, reason=f"superseded by {version.name}")
        previous.save()
    version.publish(by=by)
    version.published_at = timezone.now()
    version.published_by = by
    version.save()
    return version


@transaction.atomic
def retire_item(item, *, reason, by):
    """The exit mechanism: the item stays (in this draft and in history) but
    is no longer offered."""
    _require_officer(by)
    item = CatalogueItem.objects.select_related("version").select_for_update().get(pk=item.pk)
    if not item.version.is_draft:
        raise CatalogueError(
            _("Items of a published version cannot change; retire the item in a new draft."), code="published"
        )
    if not item.active:
        raise CatalogueError(_("This item is retired already."), code="retired")
    if not (reason or "").strip():
        raise CatalogueError(_("Give the reason for retiring the item."), "reason", code="reason_required")
    item.active = False
    item.retired_reason = reason.strip()
    item.retired_at = timezone.now()
    item.save()
    record_event(
        "catalogueitem.retire",
        actor=by,
        obj=item,
        from_state="active",
        to_state="retired",
        reason=item.retired_reason,
        details={"code": item.code, "version": item.version.name},
    )
    return item


# --- draft items edited in the admin ---------------------------------------------------------


def _changed_fields(item):
    if item.pk is None:
        return list(CatalogueItem.CONTENT_FIELDS)
    stored = (
        CatalogueItem.objects.filter(pk=item.pk)
        .values(*[f if f != "category" else "category_id" for f in CatalogueItem.CONTENT_FIELDS])
        .first()
        or {}
    )
    return [
        field
        for field in CatalogueItem.CONTENT_FIELDS
        if stored.get("category_id" if field == "category" else field)
        != getattr(item, "category_id" if field == "category" else field)
    ]


@transaction.atomic
def save_draft_item(item, *, by):
    """Create or change an item of a draft version (the admin's forms call this)."""
    _require_officer(by)
    created = item.pk is None
    changed = _changed_fields(item)
    item.save()  # refuses unless the (locked) version is a draft
    record_event(
        "catalogueitem.create" if created else "catalogueitem.change",
        actor=by,
        obj=item,
        details={"code": item.code, "version": item.version.name, "fields": changed},
    )
    return item


@transaction.atomic
def delete_draft_item(item, *, by):
    """Delete an item that was never published (others are retired)."""
    _require_officer(by)
    item = CatalogueItem.objects.select_related("version").get(pk=item.pk)
    details = {"code": item.code, "version": item.version.name}
    pk = item.pk
    item.delete()  # refuses for published versions and for items that were ever published
    record_event(
        "catalogueitem.delete", actor=by, object_type="marketplace.catalogueitem", object_id=str(pk), details=details
    )
