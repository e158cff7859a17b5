"""Small catalogue fixtures shared by the catalogue tests."""

from decimal import Decimal

import pytest

from marketplace.models import CatalogueItem, CatalogueVersion, ServiceCategory


@pytest.fixture
def categories(db):
    elderly = ServiceCategory.objects.create(code="A", name="养老服务", sort_order=1)
    children = ServiceCategory.objects.create(code="B", name="儿童服务", sort_order=2)
    return {
        "A": elderly,
        "A01": ServiceCategory.objects.create(code="A01", name="居家养老", parent=elderly, sort_order=1),
        "A02": ServiceCategory.objects.create(code="A02", name="社区照料", parent=elderly, sort_order=2),
        "B": children,
        "B01": ServiceCategory.objects.create(code="B01", name="课后托管", parent=children, sort_order=1),
    }


def make_item(version, category, code, name="居家养老服务", **fields):
    defaults = {
        "department": "区民政局",
        "kind": CatalogueItem.Kind.UNDERTAKEN,
        "content": "为居家老人提供上门助洁、助浴服务。",
        "quantity": "每户每月4次",
        "quality": "服务人员持证上岗",
        "outputs": "服务记录",
        "unit": CatalogueItem.Unit.PERSON_TIME,
        "price_min": Decimal("60.00"),
    }
    defaults.update(fields)
    return CatalogueItem.objects.create(version=version, category=category, code=code, name=name, **defaults)


@pytest.fixture
def draft(categories):
    version = CatalogueVersion.objects.create(year=2026, name="2026版")
    make_item(version, categories["A01"], "A0101", "居家养老服务")
    make_item(
        version, categories["A02"], "A0201", "老年助餐服务", price_min=Decimal("8.00"), price_max=Decimal("15.00")
    )
    make_item(
        version, categories["B01"], "B0101", "四点半课堂", unit=CatalogueItem.Unit.MONTH, price_min=Decimal("2000")
    )
    return version


@pytest.fixture
def officer(make_user):
    return make_user("procurement_officer", username="officer")


@pytest.fixture
def published(draft, officer):
    from marketplace.catalogue.services import publish_version

    return publish_version(draft, by=officer)
