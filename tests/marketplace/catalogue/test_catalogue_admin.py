"""Catalogue management views in the Wagtail admin, from the officer's side
and from the side of everybody who must be refused."""

import pytest

from marketplace.catalogue.services import create_version
from marketplace.models import CatalogueImport, CatalogueItem, CatalogueVersion
from tests.marketplace.catalogue.test_catalogue_import import csv_bytes, row


def refused(response):
    # Wagtail answers PermissionDenied with a redirect to the dashboard (or a login redirect).
    return response.status_code == 403 or (
        response.status_code == 302 and (response["Location"] == "/admin/" or "/login/" in response["Location"])
    )


@pytest.fixture
def officer_client(client, officer, site):
    client.login(username="officer", password="pw-test-2026")
    return client


@pytest.mark.django_db
def test_officer_sees_versions_and_items(officer_client, published):
    html = officer_client.get("/admin/catalogue/").content.decode()
    assert "2026版" in html and "已发布" in html
    detail = officer_client.get(f"/admin/catalogue/{published.pk}/").content.decode()
    assert "导出 .xlsx" in detail
    items = officer_client.get(f"/admin/catalogue-items/?version={published.pk}&q=养老").content.decode()
    assert "居家养老服务" in items and "四点半课堂" not in items


@pytest.mark.django_db
def test_create_version_form_rejects_a_duplicate_name(officer_client, published):
    response = officer_client.post("/admin/catalogue/new/", {"year": 2027, "name": "2026版"})
    assert response.status_code == 200
    assert "已存在同名的目录版本" in response.content.decode()
    assert CatalogueVersion.objects.count() == 1
    bad_year = officer_client.post("/admin/catalogue/new/", {"year": "明年", "name": "2027版"})
    assert bad_year.status_code == 200 and CatalogueVersion.objects.count() == 1


@pytest.mark.django_db
def test_copy_forward_through_the_form(officer_client, published):
    response = officer_client.post(
        "/admin/catalogue/new/", {"year": 2027, "name": "2027版", "based_on": published.pk, "notes": ""}
    )
    new = CatalogueVersion.objects.get(name="2027版")
    assert response.status_code == 302 and response["Location"] == f"/admin/catalogue/{new.pk}/"
    assert new.items.count() == 3 and new.state == "draft"


@pytest.mark.django_db
def test_import_with_a_bad_row_shows_the_report_in_chinese(officer_client, officer, categories):
    draft = create_version(year=2027, name="2027版", by=officer)
    upload = csv_bytes([row("C0101"), row("C0102", price="-3")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = officer_client.post(
        f"/admin/catalogue/{draft.pk}/import/", {"file": SimpleUploadedFile("目录.csv", upload)}
    )
    job = CatalogueImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/catalogue/imports/{job.pk}/"
    from marketplace.catalogue.importing import run_import

    run_import(job.pk)  # the worker's part (the test transaction never commits)
    page = officer_client.get(f"/admin/catalogue/imports/{job.pk}/").content.decode()
    assert "没有导入任何事项" in page and "价格不能为负数" in page and "<td>3</td>" in page
    assert draft.items.count() == 0


@pytest.mark.django_db
def test_upload_of_a_wrong_file_type_is_refused_by_the_form(officer_client, officer, categories):
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = create_version(year=2027, name="2027版", by=officer)
    response = officer_client.post(
        f"/admin/catalogue/{draft.pk}/import/", {"file": SimpleUploadedFile("目录.pdf", b"%PDF-1.7")}
    )
    assert response.status_code == 200
    assert "只能导入 .xlsx 和 .csv 文件" in response.content.decode()
    assert not CatalogueImport.objects.exists()


@pytest.mark.django_db
def test_import_into_a_published_version_is_turned_away(officer_client, published):
    response = officer_client.get(f"/admin/catalogue/{published.pk}/import/")
    assert response.status_code == 302 and response["Location"] == f"/admin/catalogue/{published.pk}/"


@pytest.mark.django_db
def test_publish_needs_confirmation(officer_client, draft):
    page = officer_client.get(f"/admin/catalogue/{draft.pk}/publish/").content.decode()
    assert "不能撤销" in page
    officer_client.post(f"/admin/catalogue/{draft.pk}/publish/", {})
    draft.refresh_from_db()
    assert draft.state == "draft"
    officer_client.post(f"/admin/catalogue/{draft.pk}/publish/", {"confirm": "on"})
    draft.refresh_from_db()
    assert draft.state == "published"


@pytest.mark.django_db
def test_published_items_cannot_be_edited_in_the_admin(officer_client, published):
    item = published.items.get(code="A0101")
    response = officer_client.get(f"/admin/catalogue-items/edit/{item.pk}/")
    assert response.status_code == 302
    response = officer_client.post(f"/admin/catalogue-items/edit/{item.pk}/", {"name": "改名", "price_min": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "居家养老服务"
    assert officer_client.post(f"/admin/catalogue-items/delete/{item.pk}/").status_code == 302
    assert CatalogueItem.objects.filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_draft_item_edit_with_bad_price_shows_error(officer_client, draft, categories):
    item = draft.items.get(code="A0201")
    data = {
        "version": draft.pk,
        "code": "A0201",
        "name": "老年助餐服务",
        "category": categories["A02"].pk,
        "department": "区民政局",
        "kind": "undertaken",
        "content": "助餐",
        "unit": "person_time",
        "price_min": "20",
        "price_max": "10",
        "eligible_filed": "on",
    }
    response = officer_client.post(f"/admin/catalogue-items/edit/{item.pk}/", data)
    assert response.status_code == 200
    assert "上限价格不能低于参考单价" in response.content.decode()
    item.refresh_from_db()
    assert str(item.price_min) == "8.00"


@pytest.mark.django_db
def test_retire_through_the_admin(officer_client, published, officer):
    successor = create_version(year=2027, name="2027版", based_on=published, by=officer)
    item = successor.items.get(code="B0101")
    empty = officer_client.post(f"/admin/catalogue/items/{item.pk}/retire/", {"reason": ""})
    assert empty.status_code == 200
    item.refresh_from_db()
    assert item.active
    officer_client.post(f"/admin/catalogue/items/{item.pk}/retire/", {"reason": "合并"})
    item.refresh_from_db()
    assert not item.active and item.retired_reason == "合并"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, "community_worker", "editor", "finance_officer", "evaluator"])
def test_others_cannot_reach_catalogue_management(client, make_user, site, draft, role):
    if role:
        make_user(role, username="other")
        client.login(username="other", password="pw-test-2026")
    item = draft.items.first()
    for url in [
        "/admin/catalogue/",
        "/admin/catalogue/new/",
        f"/admin/catalogue/{draft.pk}/",
        f"/admin/catalogue/{draft.pk}/publish/",
        f"/admin/catalogue/{draft.pk}/import/",
        f"/admin/catalogue/{draft.pk}/export.xlsx",
        f"/admin/catalogue-items/edit/{item.pk}/",
        f"/admin/catalogue/items/{item.pk}/retire/",
    ]:
        assert refused(client.get(url)), (role, url)
    assert refused(client.post(f"/admin/catalogue/{draft.pk}/publish/", {"confirm": "on"}))
    draft.refresh_from_db()
    assert draft.state == "draft"


@pytest.mark.django_db
def test_publish_page_of_a_published_version_turns_away(officer_client, published):
    response = officer_client.get(f"/admin/catalogue/{published.pk}/publish/")
    assert response.status_code == 302 and response["Location"] == f"/admin/catalogue/{published.pk}/"
