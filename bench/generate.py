"""Benchmark databases (issue 18): a province-sized platform, S or L.

Builds a PostgreSQL database (created if missing, migrated) that holds

- the demo district (``seed_demo``: the methods, catalogue, entry standards,
  accounts, CMS pages, one project of every kind of story, written by the
  real services, with their audit events), then, in bulk:
- communities, approved public organizations (with their service areas),
  needs in every state (the planned ones linked to projects),
- projects in every state (draft, awaiting approval, open for bids, opened,
  under evaluation, awarded, contracted, cancelled, failed) with their
  communities, catalogue items, rubric, purchase intention,
- sealed bids with real receipts: each ``BidVersion`` carries the canonical
  text built by ``services.bids.canonical_form`` and its SHA-256 digest
  (``digest_of``), exactly as ``submit_bid`` writes them,
- the opening records, evaluation reports and awards, contracts (the fields
  copied from a contract the demo wrote through the services) with their
  milestones,
- the announcements, written from the domains' own ``disclosure_events``
  through ``cms.announcements`` (bulk), and the search index, rebuilt by
  ``cms.search.index.rebuild``,
- an audit chain that verifies: the demo's events plus one
  ``bench.generated`` event per generated project, written through
  ``audit.batched()`` (the audit log refuses ``bulk_create`` on purpose);
  without ``batched()``, one per batch of projects.

Rows are inserted with PostgreSQL ``COPY`` (``copy_insert``), a batch of
projects with all their rows per transaction, with their primary keys
assigned here (so the circular bid <-> version link is written in one pass);
the sequences are reset at the end.  Deterministic: the same seed builds the
same rows (the timestamps are relative to the day it runs).

Sizes (L is the issue's province; S = L / 50):

    L: 100,000 projects, 500,000 bids, 50,000 organizations, 200,000 needs, 2,000 communities
    S:   2,000 projects,  10,000 bids,  1,000 organizations,   4,000 needs,    40 communities

Usage:
    .venv/bin/python bench/generate.py --size S --database-url postgres://postgres@127.0.0.1:5432/bench_s [--drop]
"""

import argparse
import datetime
import inspect
import os
import random
import sys
import time
import types
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = {
    # projects, bids, organizations, needs, communities
    "L": {"projects": 100_000, "bids": 500_000, "organizations": 50_000, "needs": 200_000, "communities": 2_000},
    # M: the largest that builds in ~10 minutes here while other work shares the 2 cores
    "M": {"projects": 25_000, "bids": 125_000, "organizations": 12_500, "needs": 50_000, "communities": 500},
    "S": {"projects": 2_000, "bids": 10_000, "organizations": 1_000, "needs": 4_000, "communities": 40},
    "tiny": {"projects": 60, "bids": 300, "organizations": 30, "needs": 120, "communities": 8},
}
BATCH = 2_000  # projects per transaction (with their bids, versions, records…)
INSERT_BATCH = 5_000

# The projects' states and their shares (of 100).  "cancelled" are cancelled
# after publication (public, with the reason); drafts and calls awaiting
# approval are private.
STATE_WEIGHTS = {
    "draft": 4,
    "pending_approval": 2,
    "published": 8,
    "closed": 2,
    "evaluating": 4,
    "awarded": 8,
    "contracted": 55,
    "cancelled": 7,
    "failed": 10,
}
WITH_BIDS = ("published", "closed", "evaluating", "awarded", "contracted")

STREETS = [
    "东城街道",
    "西湖街道",
    "南山街道",
    "北湖街道",
    "中心街道",
    "河西街道",
    "新城街道",
    "花园街道",
    "江南街道",
    "城关镇",
]
PLACES = (
    "和平 春晖 翠苑 桂花 枫林 南山 幸福 阳光 东湖 西城 南苑 北岭 新村 翠竹 金桥 "
    "银杏 玉兰 紫荆 长青 锦绣 滨江 望月 青松 明珠 光明 团结 友谊 建设 振兴 文化"
).split()
ORG_SUFFIXES = [
    "社会工作服务中心",
    "志愿者协会",
    "养老服务中心",
    "青少年服务中心",
    "公益服务社",
    "社区发展协会",
    "康复服务中心",
    "家庭服务中心",
]
CANCEL_REASONS = [
    "服务需求已由上级部门统一采购，本项目取消。",
    "预算调整，本项目终止。",
    "采购需求发生重大变化，重新编制后另行公告。",
]
TEAM = "项目负责人1名（社会工作师），专职社工3名，志愿者10名。"
EXPERIENCE = "近三年在本区承接社区服务项目4个，服务对象满意度均在90%以上。"
RESPONSES = [
    "按需求分组开展服务，每月不少于4次集中活动。",
    "建立服务台账，按季度提交服务报告。",
    "配备督导，每月开展个案研讨。",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--drop", action="store_true", help="Drop and re-create the database first.")
    parser.add_argument("--force", action="store_true", help="Build even if the database already holds projects.")
    parser.add_argument("--skip-search", action="store_true", help="Do not rebuild the search index.")
    return parser.parse_args(argv)


def ensure_database(url, drop):
    """Create the PostgreSQL database named in ``url`` if it is missing (or
    drop and re-create it with ``drop``)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    return False


class Ids:
    """Primary keys handed out here, after the highest in each table."""

    def __init__(self):
        self.next = {}

    def take(self, model):
        from django.db.models import Max

        if model not in self.next:
            self.next[model] = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        value = self.next[model]
        self.next[model] += 1
        return value


def copy_insert(model, rows):
    """Insert model instances with PostgreSQL ``COPY`` (what ``bulk_create``
    does, without its per-value array quoting, which dominated the build):
    every concrete column, the primary key too when the rows carry one."""
    import json

    from django.db import connection
    from django.db.models import FileField, JSONField

    rows = list(rows)
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and rows[0].pk is None)]
    jsons = {f.attname for f in fields if isinstance(f, JSONField)}
    files = {f.attname for f in fields if isinstance(f, FileField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]

    def value(row, name):
        v = row.__dict__.get(name) if name in files else getattr(row, name)
        if v is None:
            return None
        if name in jsons:
            return json.dumps(v, ensure_ascii=False)
        if name in files:
            return str(v)
        return v

    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row([value(row, name) for name in names])
    return len(rows)


def set_state(row, value):
    """Set a protected FSM state on a row not yet inserted (the generator
    writes the state a row reached; the transitions ran in the services this
    imitates, not here)."""
    row.__dict__["state"] = value


def money(value):
    return Decimal(value).quantize(Decimal("0.01"))


class Generator:
    def __init__(self, size, seed, out=print):
        self.size = SIZES[size]
        self.size_name = size
        self.rng = random.Random(seed)
        self.ids = Ids()
        self.out = out
        self.counts = {}

    def count(self, name, n):
        self.counts[name] = self.counts.get(name, 0) + n

    # --- reference data the demo wrote -----------------------------------------------------------

    def load_reference(self):
        from django.utils import timezone

        from contracts.contracts.models import Contract
        from marketplace.catalogue.models import CatalogueItem, ServiceCategory
        from marketplace.core.models.places import District
        from marketplace.core.models.users import User
        from marketplace.organizations.models import EntryStandard
        from marketplace.procurement.models.projects import PurchaseMethod

        users = {
            u.username: u
            for u in User.objects.filter(username__in=["officer", "officer2", "worker", "org", "evaluator"])
        }
        self.officer, self.officer2 = users["officer"], users["officer2"]
        self.worker, self.member, self.evaluator = users["worker"], users["org"], users["evaluator"]
        self.district = District.objects.order_by("pk").first()
        # open calls only (a named-organization method would need its one organization)
        self.methods = list(PurchaseMethod.objects.filter(active=True, named_organization=False))
        self.entry_standards = list(EntryStandard.objects.all())
        self.items = list(CatalogueItem.objects.order_by("pk"))
        self.areas = list(ServiceCategory.objects.filter(parent__isnull=True).order_by("pk"))
        self.template_contract = (
            Contract.objects.filter(state__in=["active", "completed"]).order_by("pk").first()
            or Contract.objects.order_by("pk").first()
        )
        self.template_milestones = (
            list(self.template_contract.milestones.order_by("number")) if self.template_contract else []
        )
        self.now = timezone.now().replace(microsecond=0)
        if not (self.methods and self.entry_standards and self.items):
            raise SystemExit("The demo district is missing its methods, entry standards or catalogue.")

    # --- places and organizations ----------------------------------------------------------------

    def communities(self):
        from marketplace.core.models.places import Community

        rows = []
        for n in range(self.size["communities"]):
            street = STREETS[n % len(STREETS)]
            name = f"{PLACES[n % len(PLACES)]}{n // len(PLACES) + 1}社区"
            rows.append(Community(district=self.district, street=street, code=f"BENCH-{n:05d}", name=name))
        copy_insert(Community, rows)
        self.community_rows = list(Community.objects.order_by("pk"))
        self.count("communities", len(rows))

    def organizations(self):
        from marketplace.organizations.models import Organization

        through = Organization.service_areas.through
        rows, areas, names = [], [], set()
        rng = self.rng
        for n in range(self.size["organizations"]):
            community = rng.choice(self.community_rows)
            name = f"{community.name.removesuffix('社区')}{rng.choice(ORG_SUFFIXES)}"
            if name in names:
                name = f"{community.street}{name}（{n}）"
            names.add(name)
            registered = rng.random() < 0.4
            approved = self.now - datetime.timedelta(days=rng.randint(30, 2_000))
            pk = self.ids.take(Organization)
            rows.append(
                Organization(
                    pk=pk,
                    name=name,
                    track="registered" if registered else "filed",
                    kind=rng.choice(Organization.Kind.values),
                    community=community,
                    description=f"{name}扎根社区，开展{rng.choice(self.areas).name if self.areas else '社区'}等服务。",
                    contact_name="联系人",
                    contact_phone=f"1380000{n % 10_000:04d}",
                    office="community",
                    founded_on=(approved - datetime.timedelta(days=rng.randint(100, 3_000))).date(),
                    credit_code=f"52B{n:014d}X" if registered else None,
                    registration_authority="区民政局" if registered else "",
                    legal_type=rng.choice(Organization.LegalType.values) if registered else "",
                    registered_capital=money(rng.choice([3_000, 10_000, 30_000])),
                    state="approved",
                    wizard_step=3,
                    submitted_at=approved - datetime.timedelta(days=3),
                    decided_at=approved,
                    decided_by=self.officer,
                    approved_at=approved,
                    registration_verified_at=approved if registered else None,
                    registration_verified_by=self.officer if registered else None,
                    created_by=self.member,
                    created_at=approved - datetime.timedelta(days=5),
                    updated_at=approved,
                )
            )
            for area in rng.sample(self.areas, k=min(2, len(self.areas))):
                areas.append(through(organization_id=pk, servicecategory_id=area.pk))
        copy_insert(Organization, rows)
        copy_insert(through, areas)
        self.org_rows = [(o.pk, o.name) for o in rows]
        self.count("organizations", len(rows))

    # --- projects and everything behind their public pages ---------------------------------------

    def projects(self):
        from django.db import transaction

        from marketplace.procurement.models.projects import ProjectSequence

        total = self.size["projects"]
        states = self.rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()), k=total)
        with_bids = sum(1 for s in states if s in WITH_BIDS)
        self.bids_per_project = self.size["bids"] / max(with_bids, 1)
        self.sequence = dict(ProjectSequence.objects.values_list("year", "last"))
        self.contract_sequence = {}
        for start in range(0, total, BATCH):
            with transaction.atomic():
                self._project_batch(states[start : start + BATCH])
                self._audit("projects", start, min(start + BATCH, total))
            self.out(f"  projects {min(start + BATCH, total):,}/{total:,}")
        for year, last in self.sequence.items():
            ProjectSequence.objects.update_or_create(year=year, defaults={"last": last})

    def _ref(self, year):
        self.sequence[year] = self.sequence.get(year, 0) + 1
        return f"SFQ-{year}-{self.sequence[year]:04d}"

    def _project_batch(self, states):
        from marketplace.procurement.models.projects import Project, RubricCriterion
        from marketplace.procurement.services.projects.lifecycle import INTENTION_SUMMARY_LENGTH

        rng, now = self.rng, self.now
        projects, criteria, project_items, project_communities = [], [], [], []
        self.batch_projects = []  # (project, state, criteria rows, community)
        for state in states:
            method = rng.choice(self.methods)
            community = rng.choice(self.community_rows)
            items = rng.sample(self.items, k=min(rng.choice([1, 1, 2]), len(self.items)))
            if state in ("draft", "pending_approval"):
                published = None
                created = now - datetime.timedelta(days=rng.randint(1, 60))
            elif state == "published":
                published = now - datetime.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 23))
                created = published - datetime.timedelta(days=rng.randint(35, 60))
            else:
                published = now - datetime.timedelta(days=rng.randint(60, 5 * 365), hours=rng.randint(0, 23))
                created = published - datetime.timedelta(days=rng.randint(35, 60))
            period = method.min_period * (2 if method.period_unit == "working" else 1)
            if state == "published":
                deadline = now + datetime.timedelta(days=rng.randint(2, 25), hours=rng.randint(0, 8))
            elif published is not None:
                deadline = published + datetime.timedelta(days=period + rng.randint(0, 10))
            else:
                deadline = now + datetime.timedelta(days=rng.randint(40, 80))
            deadline = deadline.replace(minute=0, second=0)
            year = (published or created).year
            start = (deadline + datetime.timedelta(days=30)).date()
            budget = money(rng.randrange(50_000, 1_500_000, 1_000))
            title = f"{community.name}{items[0].name}项目"
            pk = self.ids.take(Project)
            project = Project(
                pk=pk,
                ref=self._ref(year),
                title=title[:200],
                purchaser=f"{community.street}办事处",
                year=year,
                budget=budget,
                method=method,
                entry_standard=rng.choice(self.entry_standards),
                service_start=start,
                service_end=start + datetime.timedelta(days=364),
                deadline=deadline,
                min_valid_bids=method.min_valid_bids,
                description=(
                    f"为{community.name}居民提供{items[0].name}。服务对象约{rng.randint(50, 800)}人，"
                    f"服务期一年，按季度考核。评审按价格、服务方案、团队与经验综合评分。"
                ),
                requirements="投标人须为在本平台登记并审核通过的社会组织，具备相应服务经验。",
                state=state,
                created_by=self.officer,
                created_at=created,
                updated_at=published or created,
                submitted_by=self.officer if state != "draft" else None,
                approved_by=self.officer2 if published else None,
                published_at=published,
            )
            if method.intention_days and (published or rng.random() < 0.5):
                project.intention_published_at = (published or now) - datetime.timedelta(
                    days=method.intention_days + rng.randint(1, 10)
                )
                ends = project.intention_published_at + datetime.timedelta(days=method.intention_days)
                project.intention = {
                    "title": project.title,
                    "purchaser": project.purchaser,
                    "year": project.year,
                    "budget": str(project.budget),
                    "method": method.code,
                    "items": [item.name for item in items],
                    "communities": [community.name],
                    "service_start": project.service_start.isoformat(),
                    "service_end": project.service_end.isoformat(),
                    "summary": project.description[:INTENTION_SUMMARY_LENGTH],
                    "call_not_before": ends.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
                    .date()
                    .isoformat(),
                }
            if state == "cancelled":
                project.cancel_reason = rng.choice(CANCEL_REASONS)
                project.cancelled_at = published + datetime.timedelta(days=rng.randint(1, max(period - 1, 1)))
                project.updated_at = project.cancelled_at
            projects.append(project)
            rows = []
            for position, (name, weight, is_price) in enumerate(
                [("价格", "30.00", True), ("服务方案", "40.00", False), ("团队与经验", "30.00", False)]
            ):
                criterion = RubricCriterion(
                    pk=self.ids.take(RubricCriterion),
                    project_id=pk,
                    position=position,
                    name=name,
                    weight=Decimal(weight),
                    max_score=None if is_price else Decimal(weight),
                    is_price=is_price,
                    description="" if is_price else f"{name}的完整性、可行性与针对性。",
                )
                rows.append(criterion)
            criteria.extend(rows)
            project_items.extend(
                Project.catalogue_items.through(project_id=pk, catalogueitem_id=item.pk) for item in items
            )
            project_communities.append(Project.communities.through(project_id=pk, community_id=community.pk))
            self.batch_projects.append((project, state, rows, community, items))
        # the bids and records first: the opening sets the projects' opened_at
        # (the foreign keys are checked at commit: deferred constraints)
        self._bids_and_records()
        copy_insert(Project, projects)
        copy_insert(RubricCriterion, criteria)
        copy_insert(Project.catalogue_items.through, project_items)
        copy_insert(Project.communities.through, project_communities)
        self.count("projects", len(projects))
        for state in STATE_WEIGHTS:
            self.count(f"projects {state}", sum(1 for _p, s, *_rest in self.batch_projects if s == state))
        self.count("rubric criteria", len(criteria))

    def _bids_and_records(self):

        from marketplace.evaluation.models import Award, EvaluationReport
        from marketplace.evaluation.services.awards import end_of_working_day
        from marketplace.procurement.models.bids import Bid, BidVersion, OpeningRecord
        from marketplace.procurement.services.bids import canonical_form, digest_of

        takes_arrival = "received_at" in inspect.signature(canonical_form).parameters
        has_arrival = any(f.name == "received_at" for f in BidVersion._meta.concrete_fields)
        rng = self.rng
        bids, versions, openings, reports, awards = [], [], [], [], []
        self.batch_awards = []
        for project, state, criteria, community, items in self.batch_projects:
            if state == "failed":
                count = rng.randint(0, max(project.min_valid_bids - 1, 0))
            elif state in WITH_BIDS:
                # enough for the minimum, the mean the size asks for
                mean = self.bids_per_project
                count = max(project.min_valid_bids, int(rng.gauss(mean, 1.5) + 0.5))
                count = min(count, 15, len(self.org_rows))
            else:
                count = 0
            if not count and state not in ("failed",):
                continue
            opened = state not in ("published", "cancelled")
            project_bids = []
            for org_id, org_name in rng.sample(self.org_rows, k=count):
                submitted = project.deadline - datetime.timedelta(
                    days=rng.randint(0, 5),
                    hours=rng.randint(0, 20),
                    seconds=rng.randint(1, 3_000),
                    microseconds=rng.randint(0, 999_999),
                )
                if state == "published" and submitted > self.now:
                    submitted = self.now - datetime.timedelta(seconds=rng.randint(60, 86_400))
                received = submitted - datetime.timedelta(microseconds=rng.randint(1_000, 200_000))
                price = money(project.budget * Decimal(rng.uniform(0.82, 0.99)))
                texts = {c.pk: rng.choice(RESPONSES) for c in criteria if not c.is_price}
                kwargs = dict(
                    project_ref=project.ref,
                    organization=types.SimpleNamespace(pk=org_id, name=org_name),
                    version=1,
                    price=price,
                    responses=[{"criterion": c.name, "text": texts[c.pk]} for c in criteria if not c.is_price],
                    team=TEAM,
                    experience=EXPERIENCE,
                    documents_=[],
                    revision=project.revision,
                    submitted_at=submitted,
                )
                if takes_arrival:
                    kwargs["received_at"] = received
                canonical = canonical_form(**kwargs)
                bid_pk, version_pk = self.ids.take(Bid), self.ids.take(BidVersion)
                bid = Bid(
                    pk=bid_pk,
                    project_id=project.pk,
                    organization_id=org_id,
                    state="opened" if opened else "submitted",
                    price=price,
                    responses={str(pk): text for pk, text in texts.items()},
                    team=TEAM,
                    experience=EXPERIENCE,
                    current_version_id=version_pk,
                    created_by=self.member,
                    created_at=submitted - datetime.timedelta(days=1),
                    updated_at=submitted,
                )
                version = BidVersion(
                    pk=version_pk,
                    bid_id=bid_pk,
                    number=1,
                    price=price,
                    responses={str(pk): text for pk, text in texts.items()},
                    team=TEAM,
                    experience=EXPERIENCE,
                    revision=project.revision,
                    submitted_at=submitted,
                    submitted_by=self.member,
                    canonical=canonical,
                    digest=digest_of(canonical),
                )
                if has_arrival:
                    version.received_at = received
                bids.append(bid)
                versions.append(version)
                project_bids.append((bid, version, org_name))
            if not opened:
                continue
            # the opening (services/opening.py: open_bids)
            opened_at = project.deadline + datetime.timedelta(seconds=rng.randint(1, 120))
            project.opened_at = opened_at
            project_bids.sort(key=lambda entry: entry[1].submitted_at)
            openings.append(
                OpeningRecord(
                    project_id=project.pk,
                    opened_at=opened_at,
                    deadline=project.deadline,
                    entries=[
                        {
                            "organization_id": bid.organization_id,
                            "organization": name,
                            "price": f"{version.price:.2f}",
                            "digest": version.digest,
                            "version": version.number,
                            "submitted_at": version.submitted_at.astimezone(
                                datetime.timezone(datetime.timedelta(hours=8))
                            ).isoformat(),
                        }
                        for bid, version, name in project_bids
                    ],
                    valid_count=len(project_bids),
                    min_valid_bids=project.min_valid_bids,
                    failed=len(project_bids) < project.min_valid_bids,
                )
            )
            if state in ("evaluating", "awarded", "contracted"):
                for bid, _v, _n in project_bids:
                    set_state(bid, "qualified")
            if state not in ("awarded", "contracted"):
                continue
            # the evaluation report and the award (evaluation/services/report.py, awards.py)
            low = min(v.price for _b, v, _n in project_bids)
            rows = []
            for bid, version, name in project_bids:
                price_score = (Decimal("30") * low / version.price).quantize(Decimal("0.01"))
                members = [money(rng.uniform(50, 70)) for _ in range(3)]
                non_price = (sum(members) / 3).quantize(Decimal("0.01"))
                rows.append(
                    {
                        "bid": bid.pk,
                        "organization": name,
                        "organization_id": bid.organization_id,
                        "price": f"{version.price:.2f}",
                        "price_score": f"{price_score:.2f}",
                        "non_price": f"{non_price:.2f}",
                        "total": f"{price_score + non_price:.2f}",
                        "member_totals": [f"{m + price_score:.2f}" for m in members],
                    }
                )
            rows.sort(key=lambda row: Decimal(row["total"]), reverse=True)
            for rank, row in enumerate(rows, start=1):
                row["rank"] = rank
            generated = opened_at + datetime.timedelta(days=rng.randint(3, 10))
            report_pk = self.ids.take(EvaluationReport)
            reports.append(
                EvaluationReport(
                    pk=report_pk,
                    project_id=project.pk,
                    number=1,
                    ranking=rows,
                    recommended_bid_id=rows[0]["bid"],
                    pdf=f"evaluation/{project.pk}/{rng.getrandbits(128):032x}.pdf",
                    sha256=digest_of(f"report:{project.ref}"),
                    generated_by=self.evaluator,
                    generated_at=generated,
                    confirmed_at=generated + datetime.timedelta(hours=2),
                )
            )
            awarded_at = generated + datetime.timedelta(days=rng.randint(1, 5))
            winner = next(b for b, _v, _n in project_bids if b.pk == rows[0]["bid"])
            for bid, _v, _n in project_bids:
                set_state(bid, "awarded" if bid is winner else "not_awarded")
            award = Award(
                pk=self.ids.take(Award),
                project_id=project.pk,
                bid_id=winner.pk,
                report_id=report_pk,
                rank=1,
                recommended_bid_id=winner.pk,
                price=Decimal(rows[0]["price"]),
                awarded_by=self.officer,
                awarded_at=awarded_at,
                challenge_deadline=end_of_working_day(awarded_at, 5),
            )
            awards.append(award)
            if state == "contracted":
                self.batch_awards.append((project, award, winner, community, items))
        copy_insert(Bid, bids)
        copy_insert(BidVersion, versions)
        copy_insert(OpeningRecord, openings)
        copy_insert(EvaluationReport, reports)
        copy_insert(Award, awards)
        self.count("bids", len(bids))
        self.count("bid versions (receipts)", len(versions))
        self.count("opening records", len(openings))
        self.count("evaluation reports", len(reports))
        self.count("awards", len(awards))
        self._contracts()

    def _contracts(self):
        """Contracted projects' contracts, each a copy of the demo's
        service-written contract with this project's parties, sums and
        dates, and its milestones."""
        from contracts.contracts.models import Contract, ContractKind, Milestone

        template = self.template_contract
        skip = {"id", "number", "project", "award", "organization", "purchaser", "catalogue_item", "amount", "budget"}
        if template is not None:
            base = {
                f.attname: getattr(template, f.attname) for f in Contract._meta.concrete_fields if f.name not in skip
            }
            mbase = [
                {
                    f.attname: getattr(m, f.attname)
                    for f in Milestone._meta.concrete_fields
                    if f.name not in ("id", "contract")
                }
                for m in self.template_milestones
            ]
        else:
            # No demo contract to copy (the demo's evaluation did not run): the
            # drafting form's fields, its defaults for the rest.
            base = {
                "kind_id": ContractKind.objects.order_by("pk").values_list("pk", flat=True).first(),
                "quantity": "1项（服务期一年）",
                "place": "服务社区",
                "service_quality": "按合同约定的服务标准执行，服务对象满意度不低于85%。",
                "service_outputs": "服务台账、季度报告、年度总结。",
                "evaluation_terms": "按节点评估，专家评分与居民满意度加权计算。",
                "breach_terms": "未按约定提供服务的，按合同约定扣减服务费用。",
                "drafted_by_id": self.officer.pk,
                "version": 1,
            }
            mbase = [
                {"title": "中期评估", "deliverables": "中期服务报告、服务台账。", "share": Decimal("50.00")},
                {"title": "末期评估", "deliverables": "年度服务总结、满意度调查。", "share": Decimal("50.00")},
            ]
        contracts, communities, milestones = [], [], []
        rng = self.rng
        for project, award, winner, community, items in self.batch_awards:
            activated = award.awarded_at + datetime.timedelta(days=rng.randint(8, 25))
            year = activated.year
            self.contract_sequence.setdefault(year, self._highest_contract(year))
            self.contract_sequence[year] += 1
            completed = project.service_end < self.now.date()
            pk = self.ids.take(Contract)
            contract = Contract(
                **{
                    **base,
                    "id": pk,
                    "number": f"HT-{year}-{self.contract_sequence[year]:04d}",
                    "project_id": project.pk,
                    "award_id": award.pk,
                    "organization_id": winner.organization_id,
                    "purchaser": project.purchaser,
                    "catalogue_item_id": items[0].pk,
                    "amount": award.price,
                    "budget": project.budget,
                    "service_content": project.description,
                    "starts_on": project.service_start,
                    "ends_on": project.service_end,
                    "state": "completed" if completed else "active",
                    "created_at": award.awarded_at + datetime.timedelta(days=3),
                    "updated_at": activated,
                    "sent_at": activated - datetime.timedelta(days=2),
                    "activated_at": activated,
                    "announcement_due": (activated + datetime.timedelta(days=2)).date(),
                    "announced_at": activated + datetime.timedelta(hours=1),
                    "completed_at": datetime.datetime.combine(
                        project.service_end, datetime.time(17), tzinfo=self.now.tzinfo
                    )
                    if completed
                    else None,
                    "final_score": money(rng.uniform(75, 96)) if completed else None,
                    "grade": "",
                    "terminated_at": None,
                    "termination_reason": "",
                }
            )
            if completed:
                contract.grade = "A" if contract.final_score >= 90 else "B"
            contracts.append(contract)
            communities.append(Contract.communities.through(contract_id=pk, community_id=community.pk))
            for number, fields in enumerate(mbase, start=1):
                due = project.service_start + datetime.timedelta(days=int(365 * number / max(len(mbase), 1)) - 1)
                done = due < self.now.date()
                share = fields.get("share")
                milestones.append(
                    Milestone(
                        **{
                            **fields,
                            "contract_id": pk,
                            "number": number,
                            "due_on": due,
                            "state": "accepted" if done else "pending",
                            "evaluation_due": due + datetime.timedelta(days=10) if done else None,
                            "rectification_due": None,
                            "expert_score": money(rng.uniform(75, 96)) if done else None,
                            "satisfaction_score": money(rng.uniform(80, 98)) if done else None,
                            "score": money(rng.uniform(75, 96)) if done else None,
                            "payable": money(award.price * share / 100) if done and share is not None else None,
                            "decided_by_id": self.officer.pk if done else None,
                            "decided_at": datetime.datetime.combine(
                                due + datetime.timedelta(days=9), datetime.time(10), tzinfo=self.now.tzinfo
                            )
                            if done
                            else None,
                            "decision_reason": "",
                        }
                    )
                )
        copy_insert(Contract, contracts)
        copy_insert(Milestone, milestones)
        copy_insert(Contract.communities.through, communities)
        self.count("contracts", len(contracts))
        self.count("milestones", len(milestones))

    def _highest_contract(self, year):
        from contracts.contracts.models import Contract

        prefix = f"HT-{year}-"
        taken = Contract.objects.filter(number__startswith=prefix).values_list("number", flat=True)
        return max((int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()), default=0)

    # --- needs -----------------------------------------------------------------------------------

    def needs(self):
        from marketplace.needs.models import Need
        from marketplace.procurement.models.projects import Project

        rng, now = self.rng, self.now
        project_ids = list(
            Project.objects.filter(state__in=["published", "closed", "evaluating", "awarded", "contracted"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        states = ["submitted", "assessed", "accepted", "declined", "planned"]
        rows = []
        groups = Need.Group.values
        for _n in range(self.size["needs"]):
            community = rng.choice(self.community_rows)
            item = rng.choice(self.items)
            state = rng.choices(states, weights=[15, 10, 20, 10, 45])[0]
            created = now - datetime.timedelta(days=rng.randint(1, 5 * 365), hours=rng.randint(0, 23))
            start = (created + datetime.timedelta(days=60)).date()
            budget = money(rng.randrange(20_000, 500_000, 500))
            decided = state in ("accepted", "declined", "planned")
            rows.append(
                Need(
                    pk=self.ids.take(Need),
                    community=community,
                    catalogue_item=item,
                    title=f"{community.name}{item.name}需求"[:200],
                    description=f"{community.name}约{rng.randint(30, 500)}名居民需要{item.name}，希望尽快安排。",
                    beneficiaries_count=rng.randint(20, 800),
                    beneficiary_group=rng.choice(groups),
                    period_start=start,
                    period_end=start + datetime.timedelta(days=364),
                    estimated_budget=budget,
                    urgency=rng.choice(["normal", "normal", "soon", "urgent"]),
                    year=start.year,
                    state=state,
                    filed_by=self.worker,
                    created_at=created,
                    assessment="需求真实，费用测算合理。" if state != "submitted" else "",
                    assessed_cost=money(budget * Decimal("0.9")) if state != "submitted" else None,
                    assessed_by=self.officer if state != "submitted" else None,
                    assessed_at=created + datetime.timedelta(days=7) if state != "submitted" else None,
                    public_answer=("已纳入年度购买计划。" if state != "declined" else "已由其他渠道解决。")
                    if decided
                    else "",
                    decided_by=self.officer2 if decided else None,
                    decided_at=created + datetime.timedelta(days=14) if decided else None,
                    project_id=rng.choice(project_ids) if state == "planned" and project_ids else None,
                )
            )
        copy_insert(Need, rows)
        self.count("needs", len(rows))

    # --- what the public pages read besides the records ------------------------------------------

    def announcements(self):
        """The announcements the domains owe for the generated projects,
        written by ``cms.announcements``' own row builder, in bulk."""
        from cms import announcements
        from cms.models import Announcement
        from marketplace.procurement.models.projects import Project

        ids = list(Project.objects.filter(pk__gte=self.first_project).order_by("pk").values_list("pk", flat=True))
        written = 0
        for start in range(0, len(ids), BATCH):
            items = announcements.owed(project_ids=ids[start : start + BATCH])
            rows = [announcements._row(item, item.get("published_at") or item["event_at"]) for item in items]
            written += copy_insert(Announcement, rows)  # new projects' refs: nothing to conflict with
        self.count("announcements", written)

    def search_index(self):
        """``cms.search.index.rebuild``, with its documents written by COPY:
        the same providers, fields and vectors."""
        from django.db import transaction
        from django.utils import timezone

        from cms.search import index
        from cms.search.models import SearchDocument
        from cms.search.providers import SectionUrls, providers

        urls, now = SectionUrls(), timezone.now()
        for item in providers():
            with transaction.atomic():
                SearchDocument.objects.filter(kind=item.kind).delete()
                batch, count = [], 0
                for row in item.public_rows().iterator(chunk_size=index.BATCH):
                    fields = index._fields(item, row, urls)
                    batch.append(
                        SearchDocument(kind=item.kind, object_id=item.object_id(row), indexed_at=now, **fields)
                    )
                    if len(batch) >= INSERT_BATCH:
                        count += copy_insert(SearchDocument, batch)
                        batch = []
                count += copy_insert(SearchDocument, batch)
                index._fill_vectors(SearchDocument.objects.filter(kind=item.kind))
            self.count(f"search documents ({item.kind})", count)

    def _audit(self, what, start, end):
        """The batch's audit events: one per generated project (its reference
        and state) through ``audit.batched()`` (one multi-row insert, hashed
        in order) where it exists, else one event for the batch.  The
        services' own events (published, opened, awarded…) are not replayed:
        the demo's projects carry those."""
        from marketplace.core import audit

        batched = getattr(audit, "batched", None)
        if batched is None:
            audit.record_event(
                "bench.generated",
                object_type="bench.batch",
                object_id=f"{what}:{start}-{end}",
                details={"size": self.size_name, "what": what, "from": start, "to": end},
            )
            self.count("audit events (bench.generated)", 1)
            return
        with batched():
            for project, state, *_rest in self.batch_projects:
                audit.record_event(
                    "bench.generated",
                    object_type="marketplace.project",
                    object_id=str(project.pk),
                    details={"size": self.size_name, "ref": project.ref, "state": state},
                )
        self.count("audit events (bench.generated)", len(self.batch_projects))

    def reset_sequences(self):
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection

        models = [m for m in apps.get_models(include_auto_created=True)]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)

    def run(self, *, search=True):
        from marketplace.procurement.models.projects import Project

        steps = []

        def step(name, function, *args, **kwargs):
            started = time.perf_counter()
            self.out(f"{name}…")
            function(*args, **kwargs)
            steps.append((name, time.perf_counter() - started))
            self.out(f"{name}: {steps[-1][1]:.1f} s")

        self.load_reference()
        self.first_project = (Project.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        step("communities", self.communities)
        step("organizations", self.organizations)
        step("projects, bids, records, contracts", self.projects)
        step("needs", self.needs)
        step("sequences", self.reset_sequences)
        step("announcements", self.announcements)
        if search:
            step("search index", self.search_index)
        return steps


def main(argv=None):
    args = parse_args(argv)
    if not args.database_url.startswith("postgres"):
        sys.exit("--database-url must name a PostgreSQL database (postgres://…/bench_s).")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    started = time.perf_counter()
    created = ensure_database(args.database_url, args.drop)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from marketplace.procurement.models.projects import Project

    if Project.objects.exists() and not created and not args.force:
        sys.exit("This database already holds projects: pass --drop to re-create it (or --force to add to it).")
    migrated = time.perf_counter()
    made = "created, " if created else ""
    print(f"database {connection.settings_dict['NAME']}: {made}migrated in {migrated - started:.1f} s")
    if not Project.objects.exists():
        call_command("seed_demo", "--allow-production", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"demo district: {time.perf_counter() - migrated:.1f} s")

    generator = Generator(args.size, args.seed)
    steps = generator.run(search=not args.skip_search)

    from marketplace.core.audit import verify_chain

    check = time.perf_counter()
    report = verify_chain()
    steps.append(("verify audit chain", time.perf_counter() - check))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = time.perf_counter() - started
    print(f"\nsize {args.size} (seed {args.seed}) into {connection.settings_dict['NAME']}: {total:.1f} s in all")
    for name, seconds in steps:
        print(f"  {name:40s} {seconds:8.1f} s")
    print("rows written:")
    for name, n in generator.counts.items():
        print(f"  {name:40s} {n:>10,}")
    print(f"audit chain: {'verifies' if report.ok else 'BROKEN'}, {report.checked:,} events")
    if not report.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
