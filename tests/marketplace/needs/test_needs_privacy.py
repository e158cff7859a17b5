"""Needs and answers are public: personal data in them is refused, and
nothing is saved."""

import pytest

from marketplace.core.privacy import find_personal_data
from marketplace.models import Need
from marketplace.needs import services
from tests.needs_fixtures import need_data


@pytest.mark.parametrize(
    "text,kinds",
    [
        ("请联系13812345678", ["phone"]),
        ("电话 028-85551234", ["phone"]),
        ("+86 138 1234 5678", ["phone"]),
        ("身份证110101199003074477", ["id_number"]),
        ("卡号6222021234567890128", ["bank_account"]),
        ("住在5号楼2单元301室", ["address"]),
        ("服务50人次，预算30000元，2026年3月至12月", []),
        ("每月4次，每次1小时，受益120人", []),
        ("编码A0101，参考单价60.00元", []),
    ],
)
def test_detector(text, kinds):
    assert find_personal_data(text) == kinds


def test_detector_finds_a_given_name():
    assert find_personal_data("联系人欧阳秀珍", names=["欧阳秀珍"]) == ["name"]
    assert find_personal_data("联系人", names=["欧阳秀珍"]) == []


@pytest.mark.django_db
def test_worker_cannot_publish_a_phone_number(worker):
    with pytest.raises(services.NeedError, match="电话号码"):
        services.file_need(by=worker, community=worker.community, **need_data(description="请打13812345678联系"))
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_triage_refuses_the_residents_name_and_phone(worker, report):
    for text in ("欧阳秀珍反映老人吃饭难", "联系13987654321"):
        with pytest.raises(services.NeedError):
            services.triage_report(report, by=worker, **need_data(description=text))
    report.refresh_from_db()
    assert report.state == "new" and not Need.objects.exists()
    services.triage_report(report, by=worker, **need_data(description="独居老人做饭困难，希望有送餐服务。"))
    assert Need.objects.count() == 1


@pytest.mark.django_db
def test_public_answers_are_checked_too(make_need, officer):
    need = make_need("assessed")
    with pytest.raises(services.NeedError):
        services.accept_need(need, by=officer, public_answer="请联系王老师 13912345678")
    with pytest.raises(services.NeedError):
        services.decline_need(need, by=officer, public_answer="请到3号楼2单元201室面谈")
    need.refresh_from_db()
    assert need.state == "assessed" and need.public_answer == ""


@pytest.mark.django_db
def test_catalogue_item_and_other_service_together_are_refused(worker, published):
    item = published.items.first()
    with pytest.raises(services.NeedError):
        services.file_need(
            by=worker, community=worker.community, **need_data(catalogue_item=item, other_description="另一项服务")
        )
    assert not Need.objects.exists()
