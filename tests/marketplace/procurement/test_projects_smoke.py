import pytest

from marketplace.models import Bid
from tests.project_fixtures import open_now, submit_bid


@pytest.mark.django_db
def test_smoke(make_project, bidder, org_admin, django_capture_on_commit_callbacks):
    project = make_project("published", method_code="consultation", days=15)
    assert project.state == "published" and project.ref.startswith("SFQ-")
    version = submit_bid(project, bidder, org_admin)
    assert len(version.digest) == 64
    project = open_now(project)
    assert project.state == "failed"
    assert Bid.objects.get().state == "opened"
    assert project.opening.entries[0]["digest"] == version.digest
