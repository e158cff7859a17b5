"""Who may change the catalogue: one rule (catalogue.permissions), asked by
the services, the state machine and the admin buttons alike."""

import pytest

from marketplace.catalogue import permissions
from marketplace.catalogue.services import CatalogueError, publish_version
from marketplace.models import CatalogueVersion


@pytest.mark.django_db
def test_only_procurement_officers_may_change_the_catalogue(officer, make_user):
    worker = make_user("community_worker", username="w1")
    allowed, reason = permissions.can_change_catalogue(officer)
    assert allowed and reason == ""
    allowed, reason = permissions.can_change_catalogue(worker)
    assert not allowed and reason == str(permissions.OFFICERS_ONLY)
    assert not permissions.can_change_catalogue(None)


@pytest.mark.django_db
def test_publish_is_offered_exactly_when_the_service_accepts(draft, officer, make_user):
    worker = make_user("community_worker", username="w2")
    assert permissions.available_actions(worker, draft) == set()
    with pytest.raises(CatalogueError):
        publish_version(draft, by=worker)
    draft.refresh_from_db()
    assert draft.state == CatalogueVersion.State.DRAFT

    assert permissions.available_actions(officer, draft) == {"publish"}
    published = publish_version(draft, by=officer)
    assert published.state == CatalogueVersion.State.PUBLISHED
    assert permissions.available_actions(officer, published) == set()


@pytest.mark.django_db
def test_an_empty_draft_is_not_offered_for_publishing(officer):
    empty = CatalogueVersion.objects.create(year=2027, name="空版本")
    assert "publish" not in permissions.available_actions(officer, empty)
    with pytest.raises(CatalogueError):
        publish_version(empty, by=officer)
