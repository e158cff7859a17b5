"""OCDS 1.1.5 releases built from the platform's public data (issue 17, 4).

One contracting process per public project: its ``ocid`` is
``settings.OCDS_OCID_PREFIX`` plus the project's reference.  Every public
event of the project is one release, dated when the event happened:

====================  ======================  =========================================
event                 tag                     what it says
====================  ======================  =========================================
intention / call      planning                the budget (the purchase intention's, when
                                              one was published; else the call's)
call published        tender                  tender: status, value, period, method, items,
                                              documents (call PDF, uploaded files + SHA-256)
addendum (更正)       tenderAmendment         the new deadline and the amendment
opening               tenderUpdate            numberOfTenderers and tenderers: ONLY here and
                                              after (the sealed-bid rule)
failed evaluation     tenderUpdate            tender.status ``unsuccessful``
award                 award                   the award (supplier, value, date)
award cancelled       awardCancellation       award.status ``cancelled``
call cancelled        tenderCancellation      tender.status ``cancelled``
contract signed       contract                value, period, dateSigned, milestones scheduled,
                                              the signed PDF's SHA-256
amendment in force    contractAmendment       the new sum / end of term, the amendment
milestone decided     implementation          milestone ``met`` (or ``notMet`` when rejected)
payment paid          implementation          a transaction (payer → payee)
contract completed    contractUpdate          contract.status ``terminated`` (come to a close)
contract terminated   contractTermination     contract.status ``terminated``; milestones left
                                              undelivered ``notMet``
====================  ======================  =========================================

The data comes only through the public read modules (``marketplace.
procurement.public`` and its selectors, ``marketplace.evaluation.selectors``,
``contracts.*.public``, the organizations' selectors): no bid is read before
its opening, and no person appears — buyers are departments, parties are
organizations (identified by their unified social credit code once an
officer confirmed their registration), never a signer, a contact or an
account.  Amounts are ``Decimal`` here; ``cms.ocds.packages.dumps`` writes
them as JSON numbers."""

import datetime
import hashlib
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from contracts.contracts import public as contract_public
from contracts.milestones import public as milestone_public
from contracts.payments import public as payment_public
from marketplace.evaluation import selectors as evaluation_selectors
from marketplace.organizations.selectors import organizations as organization_selectors
from marketplace.procurement import public as procurement_public
from marketplace.procurement.selectors import projects as project_selectors

CURRENCY = "CNY"
LANGUAGE = "zh"
#: The identifier scheme of a unified social credit code (统一社会信用代码).
#: OCDS takes schemes from org-id.guide; this is the platform's label for the
#: national register, documented on /ocds/.
USCC_SCHEME = "CN-USCC"

#: The platform's purchase methods on the OCDS method codelist (closed:
#: open, selective, limited, direct); the method's own name goes to
#: ``procurementMethodDetails``.
METHODS = {
    "public_tender": "open",  # 公开征集: every organization meeting the entry standard may bid
    "venture": "open",  # 公益创投: an open contest
    "consultation": "selective",  # 竞争性磋商: negotiation with qualifying organizations
    "commission": "direct",  # 委托: a named organization
    "single_source": "direct",  # 单一来源: a named organization
}

TENDER_STATUS = {
    "published": "active",
    "closed": "active",
    "evaluating": "active",
    "awarded": "complete",
    "contracted": "complete",
    "cancelled": "cancelled",
    "failed": "unsuccessful",
}

MET = ("accepted", "paid")
UNDELIVERED = ("pending", "submitted", "under_evaluation", "rejected")


def ocid(ref):
    return f"{settings.OCDS_OCID_PREFIX}{ref}"


def ref_of(value):
    """The project reference an ocid names, or None when it has another prefix."""
    prefix = settings.OCDS_OCID_PREFIX
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) > len(prefix) + 20:
        return None
    return value[len(prefix) :] or None


def procurement_method(method):
    if method.code in METHODS:
        return METHODS[method.code]
    return "direct" if method.named_organization else "open"


# --- dates ----------------------------------------------------------------------------------------


def moment(value):
    """An aware datetime in the platform's time zone, to the second."""
    return timezone.localtime(value).replace(microsecond=0)


def stamp(value):
    """RFC 3339 text of a datetime (``2026-03-02T09:30:00+08:00``)."""
    return moment(value).isoformat()


def day_start(day):
    return stamp(timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)))


def day_end(day):
    return stamp(timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59))))


def value(amount):
    return {"amount": amount, "currency": CURRENCY}


# --- where things are -----------------------------------------------------------------------------


class Site:
    """Absolute URLs of the public pages the releases point to: ``root``
    (``https://host``), and the paths of the projects' and the disclosure
    sections (``/projects/``, ``/disclosure/``)."""

    def __init__(self, root, projects="/projects/", disclosure="/disclosure/"):
        self.root = root.rstrip("/")
        self.projects = projects
        self.disclosure = disclosure

    def url(self, path):
        return path if path.startswith(("http://", "https://")) else f"{self.root}{path}"

    def project(self, ref, part=""):
        return self.url(f"{self.projects}{ref}/{part}")

    def contract(self, number):
        return self.url(f"{self.disclosure}{number}/")

    def release_package(self, ref):
        return self.url(f"/ocds/releases/{ocid(ref)}.json")

    def record_package(self, ref):
        return self.url(f"/ocds/records/{ocid(ref)}.json")


# --- parties --------------------------------------------------------------------------------------


def buyer_id(name):
    """A stable party id for a buying department or street (they have no
    code on the platform): a digest of its name."""
    return "buyer-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def organization_id(pk):
    return f"org-{pk}"


class Parties:
    """The names and public codes of one process's parties.  Their roles
    are given by the events (``_Event.parties``: ``(id, role)`` pairs) and
    accumulate in time order in ``releases_with_times``."""

    def __init__(self, purchaser, codes):
        self.purchaser = purchaser
        self.codes = codes
        self.names = {buyer_id(purchaser): purchaser}

    @property
    def buyer_id(self):
        return buyer_id(self.purchaser)

    @property
    def buyer(self):
        return {"id": self.buyer_id, "name": self.purchaser}

    def organization(self, pk, name):
        party_id = organization_id(pk)
        self.names[party_id] = name
        return {"id": party_id, "name": name}

    def rows(self, held, ids):
        rows = []
        for party_id in dict.fromkeys(ids):
            row = {"id": party_id, "name": self.names[party_id]}
            code = self.codes.get(int(party_id[4:])) if party_id.startswith("org-") else None
            if code:
                row["identifier"] = {"scheme": USCC_SCHEME, "id": code, "legalName": self.names[party_id]}
            row["roles"] = list(held.get(party_id, []))
            rows.append(row)
        return rows


# --- the events of one project --------------------------------------------------------------------


class _Event:
    def __init__(self, when, stage, tag, body, parties=()):
        self.when = moment(when)
        self.stage = stage
        self.tag = tag
        self.body = body
        self.parties = list(parties)


def _intention(project):
    """The published purchase intention's snapshot ({} when none)."""
    if getattr(project, "intention_published_at", None) is None:
        return {}
    return getattr(project, "intention", None) or {}


def _planning_event(project, site):
    """The purchase intention (采购意向) when one was published — what its
    snapshot says, never the draft's fields — else the call.  To publish
    more of the intention, add its snapshot's fields here."""
    intention = _intention(project)
    published = getattr(project, "intention_published_at", None)
    when = published or project.published_at
    title = intention.get("title") or project.title
    year = intention.get("year") or project.year
    try:
        budget = Decimal(str(intention["budget"])) if intention.get("budget") else project.budget
    except ArithmeticError:
        budget = project.budget
    planning = {
        "budget": {
            "id": f"{project.ref}-{year}",
            "description": f"{year}年度政府购买服务资金",
            "amount": value(budget),
            "project": title,
            "projectID": project.ref,
        },
    }
    if intention.get("summary"):
        planning["rationale"] = intention["summary"]
    if published is not None:
        planning["documents"] = [
            {
                "id": f"{project.ref}-intention",
                "documentType": "plannedProcurementNotice",
                "title": f"{title}（采购意向）",
                "url": site.url(site.disclosure),
                "datePublished": stamp(published),
                "format": "text/html",
                "language": LANGUAGE,
            }
        ]
    body = {"planning": planning, "tender": {"id": project.ref, "title": title, "status": "planned"}}
    return _Event(when, "planning", ["planning"], body)


def _documents(project, site):
    rows = [
        {
            "id": f"{project.ref}-call",
            "documentType": "tenderNotice",
            "title": f"{project.title}（采购公告）",
            "url": site.project(project.ref, "pdf/"),
            "datePublished": stamp(project.published_at),
            "format": "application/pdf",
            "language": LANGUAGE,
        }
    ]
    for document in project_selectors.documents(project):
        rows.append(
            {
                "id": f"{project.ref}-document-{document.pk}",
                "documentType": "technicalSpecifications" if document.kind == "requirements" else "biddingDocuments",
                "title": document.title,
                "description": f"SHA-256: {document.sha256}",
                "url": site.project(project.ref, f"documents/{document.pk}/"),
                "datePublished": stamp(max(document.uploaded_at, project.published_at)),
                "format": "application/pdf",
                "language": LANGUAGE,
            }
        )
    return rows


def _tender_event(project, site, parties, addenda):
    first_deadline = addenda[0].old_deadline if addenda else project.deadline
    method = project.method
    tender = {
        "id": project.ref,
        "title": project.title,
        "description": project.description,
        "status": "active",
        "procuringEntity": parties.buyer,
        "items": [
            {
                "id": item.code,
                "description": item.name,
                # The platform's catalogue of services is its own scheme.
                "classification": {"scheme": "X-CATALOGUE", "id": item.code, "description": item.name},
            }
            for item in project_selectors.catalogue_items(project)
        ],
        "value": value(project.budget),
        "procurementMethod": procurement_method(method),
        "procurementMethodDetails": method.name,
        "mainProcurementCategory": "services",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": stamp(project.published_at), "endDate": stamp(first_deadline)},
        "contractPeriod": {"startDate": day_start(project.service_start), "endDate": day_end(project.service_end)},
        "documents": _documents(project, site),
    }
    if project.justification:
        tender["procurementMethodRationale"] = project.justification
    return _Event(project.published_at, "tender", ["tender"], {"tender": tender})


def _addendum_events(project, addenda):
    events = []
    for index, addendum in enumerate(addenda):
        amendments = [
            {
                "id": f"{project.ref}-addendum-{earlier.number}",
                "date": stamp(earlier.issued_at),
                "rationale": "更正公告",
                "description": earlier.text,
            }
            for earlier in addenda[: index + 1]
        ]
        body = {
            "tender": {
                "id": project.ref,
                "tenderPeriod": {"endDate": stamp(addendum.new_deadline)},
                "amendments": amendments,
            }
        }
        events.append(_Event(addendum.issued_at, f"addendum-{addendum.number}", ["tenderAmendment"], body))
    return events


def _opening_events(project, site, parties):
    """The opening record, once the bids are opened: who bid, how many.
    Before the opening there is no record and nothing of this is said."""
    record = project_selectors.opening_record(project)
    if record is None or project.opened_at is None:
        return []
    tenderers = [
        parties.organization(entry.get("organization_id"), entry.get("organization", "")) for entry in record.entries
    ]
    body = {
        "tender": {
            "id": project.ref,
            "status": "unsuccessful" if record.failed else "active",
            "numberOfTenderers": len(tenderers),
            "tenderers": tenderers,
            "documents": [
                {
                    "id": f"{project.ref}-opening",
                    "documentType": "bidders",
                    "title": f"{project.title}（开标记录）",
                    "url": site.project(project.ref, "opening/pdf/"),
                    "datePublished": stamp(record.opened_at),
                    "format": "application/pdf",
                    "language": LANGUAGE,
                }
            ],
        }
    }
    events = [_Event(record.opened_at, "opening", ["tenderUpdate"], body, [(t["id"], "tenderer") for t in tenderers])]
    failed_at = procurement_public.failed_at(project)
    if failed_at is not None and not record.failed:
        body = {"tender": {"id": project.ref, "status": "unsuccessful"}}
        events.append(_Event(failed_at, "failed", ["tenderUpdate"], body))
    return events


def _award_events(project, site, parties, awards):
    events = []
    awards = sorted(awards, key=lambda a: (a.awarded_at, a.pk))
    for award in awards:
        organization = award.bid.organization
        supplier = parties.organization(organization.pk, organization.name)
        body = {
            "tender": {"id": project.ref, "status": "complete"},
            "awards": [
                {
                    "id": str(award.pk),
                    "title": project.title,
                    "status": "active",
                    "date": stamp(award.awarded_at),
                    "value": value(award.price),
                    "suppliers": [supplier],
                    "documents": [
                        {
                            "id": f"{project.ref}-award-{award.pk}",
                            "documentType": "awardNotice",
                            "title": f"{project.title}（结果公告）",
                            "url": site.project(project.ref, "result/"),
                            "datePublished": stamp(award.awarded_at),
                            "format": "text/html",
                            "language": LANGUAGE,
                        }
                    ],
                }
            ],
        }
        events.append(_Event(award.awarded_at, f"award-{award.pk}", ["award"], body, [(supplier["id"], "supplier")]))
        if award.cancelled_at is not None:
            body = {
                "tender": {"id": project.ref, "status": "active"},
                "awards": [{"id": str(award.pk), "status": "cancelled"}],
            }
            events.append(_Event(award.cancelled_at, f"award-{award.pk}-cancelled", ["awardCancellation"], body))
    return events


def _cancelled_event(project):
    if project.state != "cancelled" or project.cancelled_at is None:
        return []
    body = {"tender": {"id": project.ref, "status": "cancelled"}}
    return [_Event(project.cancelled_at, "cancelled", ["tenderCancellation"], body)]


def _milestone_id(number, milestone_number):
    return f"{number}-M{milestone_number}"


def _contract_events(project, site, parties):
    events = []
    for contract in contract_public.open_data_contracts(project.pk):
        public = contract.public
        number = public.number
        if contract.activated_at is None:
            continue
        supplier = parties.organization(public.organization_id, public.organization)
        base = {"id": number, "awardID": str(contract.award_id)}
        sum_changes = [a for a in contract.amendments if a.amount is not None]
        signed_sum = public.amount
        if sum_changes:
            signed_sum = payment_public.sum_committed_at_signing(contract.pk) or public.amount
        document = {
            "id": f"{number}-signed",
            "documentType": "contractSigned",
            "title": f"{public.project_title}（合同公告 {number}）",
            "url": site.contract(number),
            "datePublished": stamp(public.announced_at or contract.activated_at),
            "format": "text/html",
            "language": LANGUAGE,
        }
        if contract.signed_sha256:
            document["description"] = f"SHA-256 of the signed contract PDF: {contract.signed_sha256}"
        signed = {
            **base,
            "title": public.project_title,
            "description": public.service_content,
            "status": "active",
            "period": {"startDate": day_start(public.starts_on), "endDate": day_end(public.ends_on)},
            "value": value(signed_sum),
            "dateSigned": stamp(contract.activated_at),
            "documents": [document],
            "implementation": {
                "milestones": [
                    {
                        "id": _milestone_id(number, m.number),
                        "title": m.title,
                        "type": "delivery",
                        "dueDate": day_end(m.due_on),
                        "status": "scheduled",
                    }
                    for m in contract.milestones
                ]
            },
        }
        stage = f"contract-{number}"
        parties_named = [(supplier["id"], "supplier")]
        events.append(_Event(contract.activated_at, stage, ["contract"], {"contracts": [signed]}, parties_named))
        for amendment in contract.amendments:
            changed = {
                **base,
                "amendments": [
                    {
                        "id": f"{number}-A{earlier.number}",
                        "date": stamp(earlier.in_force_at),
                        "rationale": earlier.reason_label,
                    }
                    for earlier in contract.amendments
                    if earlier.number <= amendment.number
                ],
            }
            if amendment.amount is not None:
                changed["value"] = value(amendment.amount)
            if amendment.ends_on:
                changed["period"] = {"endDate": day_end(datetime.date.fromisoformat(amendment.ends_on))}
            events.append(
                _Event(
                    amendment.in_force_at,
                    f"contract-{number}-amendment-{amendment.number}",
                    ["contractAmendment"],
                    {"contracts": [changed]},
                )
            )
        acceptance = milestone_public.acceptance_documents(contract.pk)
        for m in contract.milestones:
            if m.decided_at is None or m.state not in (*MET, "rejected"):
                continue
            row = {"id": _milestone_id(number, m.number), "dateModified": stamp(m.decided_at)}
            implementation = {"milestones": [row]}
            if m.state in MET:
                row.update(status="met", dateMet=stamp(m.decided_at))
                if m.number in acceptance:
                    sha256, created_at = acceptance[m.number]
                    implementation["documents"] = [
                        {
                            "id": f"{number}-M{m.number}-acceptance",
                            "documentType": "completionCertificate",
                            "title": f"{m.title}（验收结果）",
                            "description": f"SHA-256 of the acceptance report PDF: {sha256}",
                            "url": site.contract(number),
                            "datePublished": stamp(created_at),
                            "format": "text/html",
                            "language": LANGUAGE,
                        }
                    ]
            else:
                row["status"] = "notMet"
            events.append(
                _Event(
                    m.decided_at,
                    f"contract-{number}-milestone-{m.number}",
                    ["implementation"],
                    {"contracts": [{**base, "implementation": implementation}]},
                )
            )
        for payment in payment_public.paid_transactions(contract.pk):
            payee = parties.organization(public.organization_id, public.organization)
            transaction = {
                "id": f"{number}-P{payment['key']}",
                "source": site.contract(number),
                "date": day_start(payment["paid_on"]),
                "value": value(payment["amount"]),
                "payer": parties.buyer,
                "payee": payee,
                "uri": site.contract(number),
            }
            events.append(
                _Event(
                    payment["paid_at"],
                    f"contract-{number}-payment-{payment['key']}",
                    ["implementation"],
                    {"contracts": [{**base, "implementation": {"transactions": [transaction]}}]},
                    [(parties.buyer_id, "payer"), (payee["id"], "payee")],
                )
            )
        if contract.terminated_at is not None:
            ended = {
                **base,
                "status": "terminated",
                "implementation": {
                    "milestones": [
                        {
                            "id": _milestone_id(number, m.number),
                            "status": "notMet",
                            "dateModified": stamp(contract.terminated_at),
                        }
                        for m in contract.milestones
                        if m.state in UNDELIVERED
                    ]
                },
            }
            if not ended["implementation"]["milestones"]:
                del ended["implementation"]
            stage = f"contract-{number}-terminated"
            events.append(_Event(contract.terminated_at, stage, ["contractTermination"], {"contracts": [ended]}))
        elif contract.completed_at is not None:
            ended = {**base, "status": "terminated"}
            stage = f"contract-{number}-completed"
            events.append(_Event(contract.completed_at, stage, ["contractUpdate"], {"contracts": [ended]}))
    return events


def _related(project):
    prior = project.retender_of
    if prior is None or not project_selectors.is_public(prior):
        return None
    return [
        {
            "id": f"retender-of-{prior.ref}",
            "relationship": ["unsuccessfulProcess"] if prior.state == "failed" else ["prior"],
            "title": prior.title,
            "scheme": "ocid",
            "identifier": ocid(prior.ref),
        }
    ]


def project_releases(project, site):
    """The project's releases, oldest first (each a dict ready for JSON;
    ``releases_with_times`` also gives each one's datetime)."""
    return [release for _when, release in releases_with_times(project, site)]


def releases_with_times(project, site):
    """``[(datetime, release)]`` of a public project, in date order (events
    of the same second in the order they happened on the platform)."""
    if not project_selectors.is_public(project):
        intention = _intention(project)
        if not intention:
            return []
        # Only the purchase intention is public: the call is not published (yet).
        parties = Parties(intention.get("purchaser") or project.purchaser, {})
        return _releases(project, parties, [_planning_event(project, site)], related=None)
    addenda = project_selectors.addenda(project)
    record = project_selectors.opening_record(project)
    pks = {entry.get("organization_id") for entry in (record.entries if record else [])}
    awards = evaluation_selectors.awards_for(project)
    awards_orgs = {award.bid.organization_id for award in awards}
    codes = organization_selectors.public_credit_codes({pk for pk in pks | awards_orgs if pk})
    parties = Parties(project.purchaser, codes)
    builders = [
        lambda: [_planning_event(project, site)],
        lambda: [_tender_event(project, site, parties, addenda)],
        lambda: _addendum_events(project, addenda),
        lambda: _opening_events(project, site, parties),
        lambda: _award_events(project, site, parties, awards),
        lambda: _cancelled_event(project),
        lambda: _contract_events(project, site, parties),
    ]
    events = [event for build in builders for event in build()]
    return _releases(project, parties, events, related=_related(project))


def _releases(project, parties, events, *, related):
    # Roles accumulate in time order: each release lists the parties it
    # names with the roles they hold by then (a merge replaces ``roles``).
    events = sorted(enumerate(events), key=lambda pair: (pair[1].when, pair[0]))
    process = ocid(project.ref)
    held = {parties.buyer_id: ["buyer", "procuringEntity"]}
    found = []
    for _index, event in events:
        for party_id, role in event.parties:
            roles = held.setdefault(party_id, [])
            if role not in roles:
                roles.append(role)
        release = {
            "ocid": process,
            "id": f"{process}-{event.stage}-{event.when.strftime('%Y%m%dT%H%M%S')}",
            "date": event.when.isoformat(),
            "tag": event.tag,
            "initiationType": "tender",
            "language": LANGUAGE,
            "parties": parties.rows(held, [parties.buyer_id, *(party_id for party_id, _role in event.parties)]),
            "buyer": parties.buyer,
        }
        release.update(event.body)
        if related and event.stage in ("planning", "tender"):
            release["relatedProcesses"] = related
        found.append((event.when, release))
    return found
