"""Verbs on sealed bids.

An eligible organization drafts its bid (saved as it goes), attaches PDFs and
submits; every submission freezes a ``BidVersion`` with a SHA-256 digest over
the canonical form below and two server times: when the request reached the
server (``received_at``, stamped by ``core/arrival.py`` before anything else
runs) and when the version was recorded (``submitted_at``).

**The deadline counts from the arrival.**  A bid whose request reached the
server before the deadline is accepted however many arrive at once and
however long they wait for the database; nothing that arrived after it is.
The services never take the time from the client: the view passes the
middleware's stamp, and an arrival in the future or older than the longest a
request may run (``settings.BID_OPENING_GRACE``) is refused.

**Locks.**  Every bid verb takes a *shared* lock on the project's row
(PostgreSQL ``FOR SHARE``), then the exclusive lock on its own bid: bids of
different organizations never queue behind one another.  The opening and
every change to the project take the exclusive lock (``FOR UPDATE``), which
waits for every shared lock held, and the opening runs only once the grace
after the deadline has passed, by which time every request that arrived in
time holds its lock or has ended (``services/opening.py``).

The canonical form (``sfq-bid/2``) is JSON, UTF-8, keys sorted, no spaces
(``json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``)::

    {"documents": [{"name", "sha256", "size"} ...  sorted by sha256, then name],
     "experience": str, "format": "sfq-bid/2",
     "organization": {"id": int, "name": str},
     "price": "12345.00",                      # yuan, two decimals, as a string
     "project": "SFQ-2026-0007", "revision": int,  # addenda issued when submitted
     "received_at": "2026-11-22T09:59:59.987654+08:00",  # the request reached the server
     "responses": [{"criterion": str, "text": str} ... in rubric order],
     "submitted_at": "2026-11-22T10:00:00.123456+08:00",  # the version was recorded
     "team": str, "version": int}

Versions recorded before arrivals were stamped keep their form ``sfq-bid/1``
(the same without ``received_at``) and their digests.  The digest is
``sha256(canonical.encode("utf-8")).hexdigest()``.  The receipt page offers
the exact canonical text for download, so a bidder can recompute it with any SHA-256 tool (``sha256sum receipt.json``).
"""

import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from marketplace.core import notifications
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.fsm import require
from marketplace.core.models.users import User
from marketplace.core.money import format_cny
from marketplace.core.uploads import UploadRefusedError
from marketplace.organizations.models import Organization
from marketplace.organizations.services import documents, entry_standards
from marketplace.procurement import messages, permissions
from marketplace.procurement.models.bids import Bid, BidDocument, BidVersion
from marketplace.procurement.models.projects import Project

CANONICAL_FORMAT = "sfq-bid/2"
CANONICAL_FORMAT_WITHOUT_ARRIVAL = "sfq-bid/1"
TEXT_LIMIT = 20_000
MAX_DOCUMENTS = 20


class BidError(DomainError):
    """A bidding rule was broken; ``message`` is for the user, ``code`` is stable."""

    default_code = "invalid"

    def __init__(self, message, field=None, failures=(), code=None):
        super().__init__(message, field, code)
        self.failures = list(failures)  # entry-standard rules that failed


def bid_url(bid):
    return reverse("orgs:bid", args=[bid.organization_id, bid.project.ref])


# --- eligibility -----------------------------------------------------------------------


def eligibility_problems(project, organization, *, today=None):
    """Why this organization may not bid on this project (empty: it may).
    The entry standard's failed rules come with their explanations."""
    problems = []
    if project.method.named_organization and project.named_organization_id != organization.pk:
        problems.append(_("This call is addressed to one named organization only."))
    result = entry_standards.check(project.entry_standard, organization, today=today)
    problems.extend(rule.message for rule in result.failures)
    if project.method.one_bid_per_organization:
        other = (
            Bid.objects.filter(
                organization=organization,
                project__method=project.method,
                project__year=project.year,
                state__in=(Bid.State.SUBMITTED, Bid.State.OPENED, Bid.State.QUALIFIED, Bid.State.AWARDED),
            )
            .exclude(project=project)
            .exclude(project__state__in=(Project.State.CANCELLED, Project.State.FAILED))
            .select_related("project")
            .first()
        )
        if other is not None:
            problems.append(
                _("An organization may take part in only one %(method)s project a year; yours is %(ref)s.")
                % {"method": project.method.label, "ref": other.project.ref}
            )
    return problems


def require_bidder(project, organization, user):
    """``user`` acts for ``organization``, which may bid on ``project``."""
    permissions.enforce(permissions.can_act_for(user, organization), BidError)
    problems = eligibility_problems(project, organization)
    if problems:
        raise BidError(
            _("Your organization does not meet this call's conditions."), failures=problems, code="not_eligible"
        )


def _require_open(project, now):
    if project.state != Project.State.PUBLISHED:
        raise BidError(_("This call is not open for bids."), code="call_not_open")
    if now >= project.deadline:
        raise BidError(
            _("The deadline (%(deadline)s) has passed: no bid can be submitted or changed.")
            % {"deadline": timezone.localtime(project.deadline).strftime("%Y-%m-%d %H:%M:%S")},
            code="deadline_passed",
        )


def arrival_time(received_at):
    """The moment a bid verb counts from: the request's arrival as the
    middleware stamped it (``core/arrival.py``), or now for a call without a
    request (the shell, a task).  The value comes from the server, never the
    client, but it is checked all the same: an arrival in the future, or older
    than the longest a request may run (after which the opening may have
    run), is refused."""
    now = timezone.now()
    if received_at is None:
        return now
    if timezone.is_naive(received_at) or received_at > now or now - received_at > settings.BID_OPENING_GRACE:
        raise BidError(
            _("The platform could not confirm when your request arrived. Nothing was changed: please try again."),
            code="arrival_implausible",
        )
    return received_at


def share_lock_project(project_id):
    """The project, read under a shared lock on its row for the transaction.

    Django's ``select_for_update`` has no ``FOR SHARE`` (only ``FOR UPDATE``
    and ``FOR NO KEY UPDATE``), hence the small raw query.  Shared locks do not
    wait for one another, so the submissions of many organizations proceed
    at once; ``FOR UPDATE`` (the opening, an addendum, a cancellation) waits
    for all of them, and they for it.  SQLite has no row locks: it runs one
    writing transaction at a time (``transaction_mode`` IMMEDIATE), which is
    stricter still."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Project._meta.db_table)
        column = connection.ops.quote_name(Project._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE {column} = %s FOR SHARE", [project_id])  # noqa: S608 - names from the model
    # Read after the lock: READ COMMITTED gives this statement a snapshot taken now.
    return Project.objects.select_related("method").get(pk=project_id)


def lock_bid(bid):
    """The project under a shared lock first, then the bid under an exclusive
    one (the opening takes the project's exclusive lock)."""
    project = share_lock_project(bid.project_id)
    bid = Bid.objects.select_for_update(of=("self",)).get(pk=bid.pk)
    bid.project = project
    return project, bid


# --- the draft --------------------------------------------------------------------------


def start_bid(project, organization, *, by, received_at=None):
    """The organization's bid on the project (a new draft if it has none)."""
    arrived = arrival_time(received_at)
    with transaction.atomic():
        project = share_lock_project(project.pk)
        _require_open(project, arrived)
        require_bidder(project, organization, by)
        bid, created = Bid.objects.get_or_create(
            project=project, organization=organization, defaults={"created_by": by}
        )
        if created:
            record_event("bid.start", actor=by, obj=bid, to_state=bid.state)
    return bid


@sensitive_variables()
def clean_price(price, project):
    if price in (None, ""):
        return None
    try:
        value = Decimal(str(price).strip().replace(",", "").replace("，", ""))
    except ArithmeticError:
        raise BidError(_("Give the price as an amount in yuan, e.g. 85000.00."), "price") from None
    if not value.is_finite() or value.adjusted() >= 10:  # the budget has at most ten digits of yuan
        raise BidError(_("Give the price as an amount in yuan, e.g. 85000.00."), "price")
    if value <= 0:
        raise BidError(_("The price must be above 0."), "price")
    if value != value.quantize(Decimal("0.01")):
        raise BidError(_("The price has at most two decimals (fen)."), "price")
    if value > project.budget:
        raise BidError(
            _("The price may not exceed the budget of ¥%(budget)s.") % {"budget": format_cny(project.budget)}, "price"
        )
    return value


def _clean_text(value, field):
    value = (value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise BidError(_("At most %(count)s characters.") % {"count": f"{TEXT_LIMIT:,}"}, field)
    return value


@sensitive_variables()
def save_bid(bid, *, by, price=None, responses=None, team="", experience="", received_at=None):
    """Save the working copy (incomplete is fine until submission)."""
    arrived = arrival_time(received_at)
    with transaction.atomic():
        project, bid = lock_bid(bid)
        _require_open(project, arrived)
        permissions.enforce(permissions.can_change_bid(by, bid), BidError)
        bid.price = clean_price(price, project)
        criteria = {str(c.pk): c for c in project.criteria.filter(is_price=False)}
        cleaned = {}
        for key, text in (responses or {}).items():
            if str(key) in criteria:
                cleaned[str(key)] = _clean_text(text, f"response_{key}")
        bid.responses = cleaned
        bid.team = _clean_text(team, "team")
        bid.experience = _clean_text(experience, "experience")
        bid.save()
    return bid


def upload_document(bid, *, by, file, title="", received_at=None):
    """Attach a PDF (content-sniffed, size-limited) to the working copy."""
    arrived = arrival_time(received_at)
    with transaction.atomic():
        project, bid = lock_bid(bid)
        _require_open(project, arrived)
        permissions.enforce(permissions.can_change_bid(by, bid), BidError)
        if bid.documents.filter(removed_at__isnull=True).count() >= MAX_DOCUMENTS:
            raise BidError(
                _("At most %(count)s documents per bid.") % {"count": MAX_DOCUMENTS}, "file", code="too_many_documents"
            )
        try:
            size, sha256, content_type = documents.read_upload(file, limit=settings.BID_DOCUMENT_MAX_BYTES)
        except UploadRefusedError as error:
            raise BidError(error.message, "file", code=error.code) from None
        if content_type != "application/pdf":
            raise BidError(
                _("Bid documents must be PDF files (the content was checked, not the name). Save it as PDF."),
                "file",
            )
        name = documents.clean_original_name(getattr(file, "name", ""))
        title = (title or "").strip()[:200] or name
        document = BidDocument(bid=bid, title=title, original_name=name, size=size, sha256=sha256, uploaded_by=by)
        document.file.save(name, file, save=False)
        document.save()
        record_event("biddocument.upload", actor=by, obj=document, details={"sha256": sha256, "size": size})
    return document


def remove_document(document, *, by, received_at=None):
    arrived = arrival_time(received_at)
    with transaction.atomic():
        project, bid = lock_bid(document.bid)
        _require_open(project, arrived)
        permissions.enforce(permissions.can_change_bid(by, bid), BidError)
        document = BidDocument.objects.select_for_update().get(pk=document.pk, bid=bid)
        if document.removed_at is None:
            document.removed_at = timezone.now()
            document.save(update_fields=["removed_at"])
            record_event("biddocument.remove", actor=by, obj=document)
    return document


# --- submission -----------------------------------------------------------------------------


def missing_parts(bid, project):
    """What the working copy still lacks for submission."""
    missing = []
    if bid.price is None:
        missing.append(_("the price"))
    for criterion in project.criteria.filter(is_price=False):
        if not (bid.responses or {}).get(str(criterion.pk), "").strip():
            missing.append(_("a response to “%(name)s”") % {"name": criterion.name})
    if not bid.team.strip():
        missing.append(_("the team"))
    if not bid.experience.strip():
        missing.append(_("the experience"))
    return missing


@sensitive_variables()
def canonical_form(
    *,
    project_ref,
    organization,
    version,
    price,
    responses,
    team,
    experience,
    documents_,
    revision,
    submitted_at,
    received_at=None,
):
    """The exact text the receipt digest covers (see the module docstring):
    ``sfq-bid/2`` with the arrival, ``sfq-bid/1`` without one."""
    payload = {
        "format": CANONICAL_FORMAT if received_at is not None else CANONICAL_FORMAT_WITHOUT_ARRIVAL,
        "project": project_ref,
        "organization": {"id": organization.pk, "name": organization.name},
        "version": version,
        "revision": revision,
        "price": f"{price:.2f}",
        "responses": responses,
        "team": team,
        "experience": experience,
        "documents": sorted(documents_, key=lambda d: (d["sha256"], d["name"])),
        "submitted_at": timezone.localtime(submitted_at).isoformat(timespec="microseconds"),
    }
    if received_at is not None:
        payload["received_at"] = timezone.localtime(received_at).isoformat(timespec="microseconds")
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(canonical):
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@sensitive_variables()
def submit_bid(bid, *, by, received_at=None):
    """Submit (or re-submit, or confirm after an addendum) the working copy
    as a new version.  The deadline counts from ``received_at``, the
    request's arrival (``core/arrival.py``; now when there is no request),
    however long the submission then takes; the project is held under a
    shared lock, so submissions to one project do not wait for one another."""
    arrived = arrival_time(received_at)
    # Checks that need no lock, before taking one: who acts, and a late arrival refused at once.
    permissions.enforce(permissions.can_act_for(by, bid.organization), BidError)
    _require_open(Project.objects.only("state", "deadline").get(pk=bid.project_id), arrived)
    with transaction.atomic():
        project, bid = lock_bid(bid)
        if project.method.one_bid_per_organization:
            # Two submissions to two projects of the method must not both pass the rule.
            Organization.objects.select_for_update().filter(pk=bid.organization_id).first()
        bid.submission_clock = arrived  # the moment that counts, for the state machine's call_open too
        _require_open(project, arrived)  # again under the lock: an addendum or a cancellation may have come first
        require_bidder(project, bid.organization, by)
        if bid.price is not None:
            clean_price(bid.price, project)  # the budget may not have moved, but check again
        missing = missing_parts(bid, project)
        if missing:
            raise BidError(
                _("Before submitting, add %(parts)s.") % {"parts": "、".join(str(m) for m in missing)},
                code="incomplete",
            )
        attached = list(bid.documents.filter(removed_at__isnull=True).order_by("pk"))
        criteria = list(project.criteria.filter(is_price=False))
        require(bid.submit, by, BidError)
        number = (bid.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        recorded = timezone.now()
        canonical = canonical_form(
            project_ref=project.ref,
            organization=bid.organization,
            version=number,
            price=bid.price,
            responses=[{"criterion": c.name, "text": bid.responses[str(c.pk)].strip()} for c in criteria],
            team=bid.team,
            experience=bid.experience,
            documents_=[{"name": d.original_name, "sha256": d.sha256, "size": d.size} for d in attached],
            revision=project.revision,
            submitted_at=recorded,
            received_at=arrived,
        )
        version = BidVersion.objects.create(
            bid=bid,
            number=number,
            price=bid.price,
            responses={str(c.pk): bid.responses[str(c.pk)].strip() for c in criteria},
            team=bid.team,
            experience=bid.experience,
            revision=project.revision,
            received_at=arrived,
            submitted_at=recorded,
            submitted_by=by,
            canonical=canonical,
            digest=digest_of(canonical),
        )
        version.documents.set(attached)
        bid.submit(by=by, version=number, digest=version.digest)
        bid.current_version = version
        bid.needs_confirmation = False
        bid.save()
        _notify_members(
            bid,
            messages.BID_RECEIVED,
            {
                "number": number,
                "time": timezone.localtime(arrived).strftime("%Y-%m-%d %H:%M:%S"),
                "digest": version.digest,
            },
        )
    return version


def withdraw_bid(bid, *, by, received_at=None):
    arrived = arrival_time(received_at)
    with transaction.atomic():
        project, bid = lock_bid(bid)
        _require_open(project, arrived)
        require(bid.withdraw, by, BidError, state_message=_("Only a submitted bid can be withdrawn."))
        bid.withdraw(by=by)
        bid.save()
        _notify_members(bid, messages.BID_WITHDRAWN)
    return bid


def verify(version):
    """Does the stored canonical text still give the stored digest, and does
    it name the documents' current digests?"""
    if digest_of(version.canonical) != version.digest:
        return False
    payload = json.loads(version.canonical)
    named = sorted((d["sha256"], d["name"]) for d in payload["documents"])
    stored = sorted((d.sha256, d.original_name) for d in version.documents.all())
    return named == stored


def receipt_pdf(version):
    """The receipt as a PDF (WeasyPrint, CJK font embedded).  The caller has
    checked that the reader may see this version."""
    from marketplace.core.pdf import render_pdf

    return render_pdf(
        "pdf/bid_receipt.html",
        {
            "version": version,
            "bid": version.bid,
            "project": version.bid.project,
            "organization": version.bid.organization,
            "documents": version.documents.all(),
        },
    )


# --- telling bidders -------------------------------------------------------------------------


def _notify_members(bid, message_type, context=None):
    """Tell the bidding organization's members ``message_type``
    (``procurement/messages.py`` or a higher domain's), with the project's
    ``ref`` and ``title`` in the context."""
    users = User.objects.filter(memberships__organization_id=bid.organization_id, is_active=True)
    context = {"ref": bid.project.ref, "title": bid.project.title, **(context or {})}
    notifications.send(message_type, users, context, link=bid_url(bid))


def notify_bidders(project, message_type, context=None, *, states=None, only=None):
    """Tell every organization with a bid on the project (each hears only of
    its own bid; nobody learns who else bid)."""
    bids = Bid.objects.filter(project=project).select_related("project")
    if states is not None:
        bids = bids.filter(state__in=states)
    if only is not None:
        bids = bids.filter(pk__in=[bid.pk for bid in only])
    for bid in bids:
        bid.project = project
        _notify_members(bid, message_type, context)


def after_addendum(project, addendum):
    """Called by ``issue_addendum`` inside its transaction: submitted bids
    must be confirmed again; every bidder with a draft or a bid is told."""
    when = timezone.localtime(project.deadline).strftime("%Y-%m-%d %H:%M")
    for bid in Bid.objects.select_for_update().filter(
        project=project, state__in=(Bid.State.DRAFT, Bid.State.SUBMITTED)
    ):
        bid.project = project
        if bid.state == Bid.State.SUBMITTED:
            bid.needs_confirmation = True
            bid.save(update_fields=["needs_confirmation", "updated_at"])
        _notify_members(
            bid,
            messages.ADDENDUM,
            {
                "number": addendum.number,
                "deadline": when,
                # A submitted bid counts only if it is confirmed again.
                "must_confirm": bid.state == Bid.State.SUBMITTED,
            },
        )
