"""The benchmark generator (bench/generate.py) at its tiny size, on the test
database: what it writes is what the services would (receipts that
recompute, opening records that match the bids, awards of opened bids, an
audit chain that verifies) and the public pages show it.  PostgreSQL only
(the generator writes with COPY)."""

import json

import pytest
from django.db import connection

from bench.generate import SIZES, Generator
from cms.models import Announcement
from cms.search.models import SearchDocument
from contracts.contracts.models import Contract
from marketplace.core.audit import verify_chain
from marketplace.evaluation.models import Award
from marketplace.models import Bid, BidVersion, OpeningRecord, Organization, Project
from marketplace.organizations.models import EntryStandard
from marketplace.procurement.services.bids import digest_of
from tests.factories import CatalogueItemFactory, CommunityFactory, UserFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator writes with COPY")


@pytest.mark.django_db(transaction=True)
def test_tiny_build_writes_what_the_services_would(client):
    for username in ("officer", "officer2", "worker", "org", "evaluator"):
        UserFactory(username=username)
    CommunityFactory()
    CatalogueItemFactory()
    EntryStandard.objects.get_or_create(name="基本准入标准")

    generator = Generator("tiny", seed=18, out=lambda *args: None)
    generator.run()

    size = SIZES["tiny"]
    assert Project.objects.count() == size["projects"]
    assert Organization.objects.filter(state="approved").count() == size["organizations"]
    assert set(Project.objects.values_list("state", flat=True)) >= {"published", "contracted", "failed"}
    # receipts: the digest is the SHA-256 of the canonical text, which names the bid's project and organization
    versions = list(BidVersion.objects.select_related("bid__project", "bid__organization"))
    assert len(versions) == Bid.objects.count() > 0
    for version in versions:
        assert version.digest == digest_of(version.canonical)
        canonical = json.loads(version.canonical)
        assert canonical["project"] == version.bid.project.ref
        assert canonical["organization"] == {"id": version.bid.organization_id, "name": version.bid.organization.name}
        assert canonical["price"] == f"{version.price:.2f}"
        assert version.bid.current_version_id == version.pk
    # the opening record lists exactly the opened bids, with their digests
    for record in OpeningRecord.objects.select_related("project"):
        digests = set(
            BidVersion.objects.filter(bid__project=record.project)
            .exclude(bid__state="submitted")
            .values_list("digest", flat=True)
        )
        assert {entry["digest"] for entry in record.entries} == digests
        assert record.project.opened_at == record.opened_at
    # sealed calls have no opened bid
    assert not Bid.objects.filter(project__state="published").exclude(state="submitted").exists()
    for award in Award.objects.select_related("bid"):
        assert award.bid.state == "awarded" and award.bid.project_id == award.project_id
    assert Contract.objects.count() == Project.objects.filter(state="contracted").count()
    assert Announcement.objects.exists() and SearchDocument.objects.filter(kind="projects").exists()
    assert verify_chain().ok

    contracted = Project.objects.filter(state="contracted").first()
    for url in (
        "/projects/",
        f"/projects/{contracted.ref}/",
        f"/projects/{contracted.ref}/opening/",
        f"/projects/{contracted.ref}/result/",
        f"/disclosure/{contracted.contracts.get().number}/",
        "/results/",
        "/needs/",
        "/organizations/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
