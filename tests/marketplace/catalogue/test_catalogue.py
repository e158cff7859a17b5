from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from marketplace.catalogue.models import CatalogueLockedError
from marketplace.catalogue.services import CatalogueError, create_version, publish_version, retire_item
from marketplace.models import AuditEvent, CatalogueItem, CatalogueVersion
from tests.catalogue_fixtures import make_item


@pytest.mark.django_db
def test_publishing_makes_the_version_immutable(published):
    item = published.items.get(code="A0101")
    item.price_min = Decimal("1.00")
    with pytest.raises(CatalogueLockedError):
        item.save()
    with pytest.raises(CatalogueLockedError):
        item.delete()
    with pytest.raises(ValidationError):
        item.full_clean()
    with pytest.raises(CatalogueLockedError):
        make_item(published, item.category, "A0199")
    assert published.items.get(code="A0101").price_min == Decimal("60.00")
    assert published.items.count() == 3


@pytest.mark.django_db
def test_publish_records_who_and_when_and_audits(published, officer):
    assert published.state == CatalogueVersion.State.PUBLISHED
    assert published.published_by == officer and published.published_at is not None
    event = AuditEvent.objects.get(action="catalogueversion.publish")
    assert (event.from_state, event.to_state, event.actor) == ("draft", "published", officer)


@pytest.mark.django_db
def test_new_version_copies_forward_and_supersedes_on_publish(published, officer):
    successor = create_version(year=2027, name="2027版", based_on=published, by=officer)
    assert successor.state == CatalogueVersion.State.DRAFT
    assert successor.items.count() == 3
    copied = successor.items.get(code="A0101")
    assert copied.previous.version == published
    copied.price_min = Decimal("65.00")
    copied.save()  # drafts are editable
    publish_version(successor, by=officer)
    published.refresh_from_db()
    assert published.state == CatalogueVersion.State.SUPERSEDED
    assert published.items.get(code="A0101").price_min == Decimal("60.00")  # history intact
    assert AuditEvent.objects.filter(action="catalogueversion.supersede", object_id=str(published.pk)).exists()


@pytest.mark.django_db
def test_only_one_published_version_is_enforced_by_the_database(published):
    other = CatalogueVersion.objects.create(year=2027, name="2027版")
    with pytest.raises(IntegrityError), transaction.atomic():
        CatalogueVersion.objects.filter(pk=other.pk).update(state="published")


@pytest.mark.django_db
def test_publishing_an_empty_draft_is_refused(officer):
    empty = CatalogueVersion.objects.create(year=2027, name="空版本")
    with pytest.raises(CatalogueError):
        publish_version(empty, by=officer)
    empty.refresh_from_db()
    assert empty.state == CatalogueVersion.State.DRAFT


@pytest.mark.django_db
def test_published_item_is_retired_not_deleted(published, officer):
    successor = create_version(year=2027, name="2027版", based_on=published, by=officer)
    item = successor.items.get(code="B0101")
    with pytest.raises(CatalogueLockedError):
        item.delete()  # it was published before: exit, never delete
    with pytest.raises(CatalogueError):
        retire_item(item, reason="  ", by=officer)
    retire_item(item, reason="由教育部门统一提供", by=officer)
    item.refresh_from_db()
    assert not item.active and item.retired_reason == "由教育部门统一提供" and item.retired_at
    event = AuditEvent.objects.get(action="catalogueitem.retire")
    assert event.reason == "由教育部门统一提供" and event.actor == officer
    assert CatalogueItem.objects.filter(code="B0101").count() == 2  # both versions keep it


@pytest.mark.django_db
def test_new_item_in_a_draft_can_be_deleted(draft):
    item = make_item(draft, draft.items.first().category, "A0109")
    item.delete()
    assert not CatalogueItem.objects.filter(code="A0109").exists()


@pytest.mark.django_db
def test_only_officers_change_the_catalogue(draft, make_user):
    worker = make_user("community_worker")
    editor = make_user("editor")
    for user in (worker, editor):
        with pytest.raises(CatalogueError):
            publish_version(draft, by=user)
        with pytest.raises(CatalogueError):
            create_version(year=2030, name=f"x{user.pk}", by=user)
        with pytest.raises(CatalogueError):
            retire_item(draft.items.first(), reason="x", by=user)
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.items.filter(active=True).count() == 3


@pytest.mark.django_db
def test_database_refuses_bad_prices(draft, categories):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_item(draft, categories["A01"], "A0150", price_min=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_item(draft, categories["A01"], "A0151", price_min=Decimal("10"), price_max=Decimal("5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_item(draft, categories["A01"], "A0101")  # duplicate code in the version
