"""Public read questions about social organizations: the directory at
``/organizations/`` and one organization's public page.

Only approved organizations are public (draft, submitted, returned,
suspended and blacklisted ones never are), and only the fields in
``Organization.PUBLIC_FIELDS``: the queries load nothing else, and the pages
get ``PublicOrganization`` values built from those fields, never the model
instance, so a template cannot reach a contact person, a phone number, an ID
number, an address, the roster, the members or the documents.

Every list selects its related rows up front: a page's query count does not
grow with the organizations it shows."""

import datetime
import unicodedata
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone

from marketplace.catalogue.models import ServiceCategory
from marketplace.core.models.audit import AuditEvent
from marketplace.core.models.places import Community
from marketplace.organizations.models import Organization

PUBLIC_STATE = Organization.State.APPROVED
SEARCH_MAX_LENGTH = 50

# The columns the public queries load: the public fields (the service areas
# are a many-to-many relation, prefetched) and the community's name.
_PUBLIC_COLUMNS = tuple(field for field in Organization.PUBLIC_FIELDS if field != "service_areas")
_COMMUNITY_COLUMNS = ("community__street", "community__name")
# A registration counts, and is published, once an officer has confirmed it;
# until then an upgraded organization is shown as it was approved: filed.
_CONFIRMED = Q(track=Organization.Track.REGISTERED, registration_verified_at__isnull=False)


@dataclass(frozen=True)
class ServiceArea:
    code: str
    name: str


@dataclass(frozen=True)
class PublicOrganization:
    """What the public may know about an approved organization."""

    pk: int
    name: str
    track: str
    kind: str
    community_id: int
    community: str
    service_areas: tuple
    description: str
    founded_on: datetime.date | None
    credit_code: str
    registration_authority: str
    legal_type: str
    approved_at: datetime.datetime | None

    # Labels are looked up when the page renders, in the reader's language.
    @property
    def track_label(self):
        return Organization.Track(self.track).label

    @property
    def kind_label(self):
        return Organization.Kind(self.kind).label if self.kind in Organization.Kind.values else self.kind

    @property
    def legal_type_label(self):
        if self.legal_type in Organization.LegalType.values:
            return Organization.LegalType(self.legal_type).label
        return ""

    @property
    def is_registered(self):
        return self.track == Organization.Track.REGISTERED


def _entry(organization):
    registered = organization.registration_confirmed
    return PublicOrganization(
        pk=organization.pk,
        name=organization.name,
        track=Organization.Track.REGISTERED if registered else Organization.Track.FILED,
        kind=organization.kind,
        community_id=organization.community_id,
        community=str(organization.community),
        service_areas=tuple(ServiceArea(area.code, area.name) for area in organization.service_areas.all()),
        description=organization.description,
        founded_on=organization.founded_on,
        # A filed organization has no registration; whatever a draft once
        # held is not shown.
        credit_code=(organization.credit_code or "") if registered else "",
        registration_authority=organization.registration_authority if registered else "",
        legal_type=organization.legal_type if registered else "",
        approved_at=organization.approved_at,
    )


def _public_queryset():
    areas = ServiceCategory.objects.only("pk", "code", "name", "sort_order").order_by("sort_order", "code")
    return (
        Organization.objects.filter(state=PUBLIC_STATE)
        .select_related("community")
        .only("pk", "registration_verified_at", *_PUBLIC_COLUMNS, *_COMMUNITY_COLUMNS)
        .prefetch_related(Prefetch("service_areas", queryset=areas))
    )


def normalise_query(text):
    """Full-width characters become ASCII, runs of spaces one space; at most
    ``SEARCH_MAX_LENGTH`` characters."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return " ".join(text.split())[:SEARCH_MAX_LENGTH]


def search(organizations, query):
    """Organizations whose name contains ``query``, or whose unified social
    credit code contains it (any case, spaces and hyphens ignored)."""
    query = normalise_query(query)
    if not query:
        return organizations
    code = query.replace(" ", "").replace("-", "").upper()
    condition = Q(name__icontains=query)
    if code:
        condition |= _CONFIRMED & Q(credit_code__contains=code)
    return organizations.filter(condition)


def filter_organizations(organizations, *, track=None, kind=None, community=None, service_area=None):
    """``community`` is a Community (or its pk), ``service_area`` a major
    ServiceCategory (or its code)."""
    if track == Organization.Track.REGISTERED:
        organizations = organizations.filter(_CONFIRMED)
    elif track:
        organizations = organizations.exclude(_CONFIRMED)
    if kind:
        organizations = organizations.filter(kind=kind)
    if community is not None:
        organizations = organizations.filter(community=community)
    if service_area is not None:
        if isinstance(service_area, ServiceCategory):
            organizations = organizations.filter(service_areas=service_area)
        else:
            organizations = organizations.filter(service_areas__code=service_area)
    return organizations


def public_organizations(*, track=None, kind=None, community=None, service_area=None, query=""):
    """The directory: approved organizations (a queryset of Organization,
    for paging), by name.  Turn a page of it into ``PublicOrganization``
    values with ``public_entries`` before it reaches a template."""
    organizations = filter_organizations(
        _public_queryset(), track=track, kind=kind, community=community, service_area=service_area
    )
    return search(organizations, query).order_by("name", "pk")


def public_entries(organizations):
    """``PublicOrganization`` values for organizations from
    ``public_organizations`` (one page of it): two queries, whatever their
    number."""
    return [_entry(organization) for organization in organizations]


def public_organization(pk):
    """One approved organization's public record, or None (the view answers
    404): a draft, submitted, returned, suspended or blacklisted
    organization is not public."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    organization = _public_queryset().filter(pk=pk).first()
    return _entry(organization) if organization is not None else None


@dataclass(frozen=True)
class Sanction:
    """A suspension or a blacklisting, for the public service record:
    ``kind`` (``suspension`` or ``blacklist``), the local day it began, the
    day it ended (None while in force) and, for a blacklisting, the end day
    set when it was imposed.  No reason and no officer: a reason is free
    text that may name people."""

    kind: str
    started_on: datetime.date
    ended_on: datetime.date | None = None
    until: datetime.date | None = None

    @property
    def kind_label(self):
        return _SANCTION_LABELS[self.kind]


# The transitions that start and end a sanction (their audit events are the
# record of when: the model keeps only the current state).
_SANCTION_STARTS = {"organization.suspend": "suspension", "organization.blacklist": "blacklist"}
_SANCTION_ENDS = {"organization.reinstate": "suspension", "organization.lift_blacklist": "blacklist"}
_SANCTION_LABELS = {
    "suspension": Organization.State.SUSPENDED.label,
    "blacklist": Organization.State.BLACKLISTED.label,
}


def sanction_history(pk):
    """The organization's suspensions and blacklistings, newest first, with
    their days, read from the audit events of its transitions (one query)."""
    events = (
        AuditEvent.objects.filter(
            object_type="marketplace.organization",
            object_id=str(pk),
            action__in=(*_SANCTION_STARTS, *_SANCTION_ENDS),
        )
        .order_by("id")
        .values_list("action", "created_at", "details")
    )
    sanctions = []
    open_ones = {}
    for action, created_at, details in events:
        day = timezone.localdate(created_at)
        if action in _SANCTION_STARTS:
            kind = _SANCTION_STARTS[action]
            until = None
            if kind == "blacklist" and isinstance(details, dict) and details.get("until"):
                try:
                    until = datetime.date.fromisoformat(str(details["until"])[:10])
                except ValueError:
                    until = None
            open_ones[kind] = len(sanctions)
            sanctions.append(Sanction(kind, day, None, until))
        else:
            kind = _SANCTION_ENDS[action]
            index = open_ones.pop(kind, None)
            if index is not None:
                sanction = sanctions[index]
                sanctions[index] = Sanction(sanction.kind, sanction.started_on, day, sanction.until)
    return sanctions[::-1]


def directory_communities():
    """Communities for the directory's filter, by street and name."""
    return Community.objects.order_by("street", "name", "pk")


def directory_service_areas():
    """Service areas (major service categories) for the directory's filter."""
    return ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code")


def public_credit_codes(pks):
    """{organization pk: its unified social credit code} for the
    organizations among ``pks`` whose registration an officer confirmed
    (the code the public pages show); others are left out.  One query."""
    rows = Organization.objects.filter(_CONFIRMED, pk__in=list(pks), credit_code__isnull=False)
    return {pk: code for pk, code in rows.values_list("pk", "credit_code") if code}
