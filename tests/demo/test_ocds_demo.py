"""Open data over the demo district (issue 17, 4): every release of the
bulk file, and every project's release and record package, validates
against the copied OCDS 1.1.5 schema with its codelists; the demo's
personal-data markers and every person's details appear in none of it.
Uses the shared seed (``seeded_demo``): no seed of its own."""

import pytest
from django.conf import settings
from django.db.models import Q

from contracts.contracts.models import Signature
from marketplace.models import Organization, Project, User
from tests.cms.ocds.checks import (
    assert_valid_record_package,
    assert_valid_release,
    assert_valid_release_package,
    parse,
)


def _secrets():
    secrets = set()
    for organization in Organization.objects.all():
        secrets |= {organization.contact_name, organization.contact_email, organization.contact_phone}
        secrets |= {organization.legal_representative, organization.legal_representative_id_number}
        secrets |= {organization.office_address}
    for full_name, email, phone in User.objects.values_list("full_name", "email", "phone"):
        secrets |= {full_name, email, phone}
    secrets |= set(Signature.objects.values_list("department", flat=True))
    secrets.discard("")
    # A person's name that is also an organization's or a department's is not a secret.
    secrets -= set(Organization.objects.values_list("name", flat=True))
    secrets -= set(Project.objects.values_list("purchaser", flat=True))
    return {secret for secret in secrets if secret and len(secret) >= 2}


@pytest.mark.django_db
def test_the_demo_district_as_ocds(client, seeded_demo):
    response = client.get("/ocds/bulk/releases.jsonl")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    releases = [parse(line) for line in text.splitlines()]
    assert releases
    for release in releases:
        assert_valid_release(release)
    tags = {tag for release in releases for tag in release["tag"]}
    assert {"planning", "tender", "tenderUpdate", "award", "contract"} <= tags

    secrets = _secrets()
    assert secrets
    for secret in secrets:
        assert secret not in text, secret

    public = Project.objects.filter(
        Q(published_at__isnull=False, state__in=Project.PUBLIC_STATES) | Q(intention_published_at__isnull=False)
    )
    assert {release["ocid"] for release in releases} == {f"{settings.OCDS_OCID_PREFIX}{p.ref}" for p in public}
    for project in public:
        ocid = f"{settings.OCDS_OCID_PREFIX}{project.ref}"
        package = parse(client.get(f"/ocds/releases/{ocid}.json").content)
        assert_valid_release_package(package)
        assert_valid_record_package(parse(client.get(f"/ocds/records/{ocid}.json").content))
