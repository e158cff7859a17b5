import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.catalogue import importing as catalogue_io
from marketplace.catalogue.models import CatalogueLockedError
from marketplace.catalogue.services import CatalogueError, create_version, publish_version, retire_item
from marketplace.core import notifications
from marketplace.models import (
    AuditEvent,
    CatalogueImport,
    CatalogueItem,
    CatalogueVersion,
    CommunityFund,
    ServiceCategory,
)
from marketplace.needs import messages as need_messages
from marketplace.needs import services as need_services
from tests.catalogue_fixtures import make_item
from tests.marketplace.catalogue.test_catalogue_import import csv_bytes, do_import, row
from tests.needs_fixtures import need_data


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


# --- found in review ------------------------------------------------------------


@pytest.mark.django_db
def test_category_of_a_published_catalogue_cannot_be_renamed(published, categories):
    minor = ServiceCategory.objects.get(code="A01")
    minor.name = "改过的名字"
    with pytest.raises(ValidationError):
        minor.full_clean()
    with pytest.raises(CatalogueLockedError):
        minor.save()
    assert ServiceCategory.objects.get(code="A01").name == "居家养老"
    minor.refresh_from_db()
    minor.sort_order = 9  # order is not published text
    minor.save()


@pytest.mark.django_db
def test_category_cannot_be_its_own_parent_or_demote_a_major(categories):
    unused = ServiceCategory.objects.create(code="Z", name="未用大类")
    unused.parent = unused
    with pytest.raises(ValidationError):
        unused.full_clean()
    major = categories["A"]
    major.parent = categories["B"]
    with pytest.raises(ValidationError):
        major.full_clean()  # it has minors


@pytest.mark.django_db
def test_category_of_a_draft_only_catalogue_can_change(draft, categories):
    minor = categories["A01"]
    minor.name = "居家养老服务类"
    minor.full_clean()
    minor.save()
    assert ServiceCategory.objects.get(code="A01").name == "居家养老服务类"


@pytest.mark.django_db
def test_unexpected_failure_ends_the_import_as_rejected(categories, officer, monkeypatch):
    draft = create_version(year=2027, name="2027版", by=officer)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(catalogue_io, "validate_row", boom)
    job = do_import(draft, officer, "目录.csv", csv_bytes([row("C0101")]))
    assert job.status == CatalogueImport.Status.FAILED
    assert [e["code"] for e in job.errors] == ["unexpected"]


@pytest.mark.django_db
def test_damaged_sheet_inside_a_real_zip_is_rejected(categories, officer):
    draft = create_version(year=2027, name="2027版", by=officer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a' r:id='rId1'")
    job = do_import(draft, officer, "坏.xlsx", buffer.getvalue())
    assert job.status == CatalogueImport.Status.FAILED
    assert [e["code"] for e in job.errors] == ["not_xlsx"]


@pytest.mark.django_db
def test_code_added_while_checking_is_caught_under_the_lock(categories, officer, monkeypatch):
    draft = create_version(year=2027, name="2027版", by=officer)
    real = catalogue_io.validate_row

    def meanwhile(number, values, *args):
        if not draft.items.filter(code="C0101").exists():
            make_item(draft, categories["A01"], "C0101", "别人刚加的")
        return real(number, values, *args)

    monkeypatch.setattr(catalogue_io, "validate_row", meanwhile)
    job = do_import(draft, officer, "目录.csv", csv_bytes([row("C0101"), row("C0103")]))
    assert job.status == CatalogueImport.Status.FAILED
    assert [(e["row"], e["code"]) for e in job.errors] == [(2, "duplicate_in_version")]
    assert draft.items.count() == 1


@pytest.mark.django_db
def test_too_many_rows_are_refused_without_reading_them_all(categories, officer, monkeypatch):
    monkeypatch.setattr(catalogue_io, "MAX_ROWS", 5)
    draft = create_version(year=2027, name="2027版", by=officer)
    job = do_import(draft, officer, "大.csv", csv_bytes([row(f"C{n:04d}") for n in range(50)]))
    assert [e["code"] for e in job.errors] == ["too_many_rows"]


@pytest.mark.django_db
def test_text_that_looks_like_a_formula_is_exported_as_text(draft, categories, officer):
    make_item(draft, categories["A01"], "A0199", '=HYPERLINK("http://evil.example","点我")')
    sheet = openpyxl.load_workbook(io.BytesIO(catalogue_io.export_xlsx(draft))).active
    cell = next(r[1] for r in sheet.iter_rows(min_row=2) if r[0].value == "A0199")
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    fresh = create_version(year=2030, name="2030版", by=officer)
    job = do_import(fresh, officer, "x.xlsx", catalogue_io.export_xlsx(draft))
    assert job.status == CatalogueImport.Status.SUCCEEDED, job.errors
    assert fresh.items.get(code="A0199").name.startswith("=HYPERLINK")


@pytest.mark.django_db
def test_admin_item_changes_go_through_the_audit_log(client, officer, site, draft, categories):
    client.login(username="officer", password="pw-test-2026")
    data = {
        "version": draft.pk,
        "code": "A0105",
        "name": "新事项",
        "category": categories["A01"].pk,
        "department": "区民政局",
        "kind": "undertaken",
        "content": "内容",
        "unit": "person_time",
        "price_min": "10",
        "eligible_filed": "on",
    }
    assert client.post("/admin/catalogue-items/new/", data).status_code == 302
    item = CatalogueItem.objects.get(code="A0105")
    client.post(f"/admin/catalogue-items/edit/{item.pk}/", {**data, "price_min": "12"})
    client.post(f"/admin/catalogue-items/delete/{item.pk}/")
    actions = list(AuditEvent.objects.filter(actor=officer).values_list("action", flat=True))
    assert actions == ["catalogueitem.create", "catalogueitem.change", "catalogueitem.delete"]
    assert AuditEvent.objects.get(action="catalogueitem.change").details["fields"] == ["price_min"]
    assert not CatalogueItem.objects.filter(code="A0105").exists()


@pytest.mark.django_db
def test_deleting_an_ever_published_item_says_no(client, officer, site, published):
    successor = create_version(year=2027, name="2027版", based_on=published, by=officer)
    item = successor.items.get(code="A0101")
    client.login(username="officer", password="pw-test-2026")
    response = client.post(f"/admin/catalogue-items/delete/{item.pk}/", follow=True)
    assert "发布过的事项不能删除" in response.content.decode()
    assert CatalogueItem.objects.filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_override_reason_is_public_so_personal_data_is_refused(make_need, officer):
    need = make_need("assessed", estimated_budget=Decimal("250000"))
    with pytest.raises(need_services.NeedError, match="电话号码"):
        need_services.accept_need(need, by=officer, public_answer="同意", override_reason="居民王小明13912345678急需")
    need.refresh_from_db()
    assert need.state == "assessed" and need.fund_override_reason == ""


@pytest.mark.django_db
def test_a_need_cannot_be_charged_to_a_past_years_fund(worker):
    last_year = timezone.localdate().year - 1
    with pytest.raises(need_services.NeedError):
        need_services.file_need(
            by=worker,
            community=worker.community,
            **need_data(period_start=datetime.date(last_year, 1, 1), period_end=datetime.date(last_year + 2, 1, 1)),
        )


@pytest.mark.django_db
def test_fund_cannot_drop_below_what_is_committed(make_need, community):
    make_need("accepted", estimated_budget=Decimal("120000"))
    fund = CommunityFund(community=community, year=timezone.localdate().year, amount=Decimal("100000"))
    with pytest.raises(ValidationError):
        fund.full_clean()
    fund.amount = Decimal("120000")
    fund.full_clean()


@pytest.mark.django_db
def test_a_line_break_in_a_title_cannot_break_the_mail_header(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(
            need_messages.RESIDENT_REPORT,
            ["w@example.test"],
            {"title": "送餐\nBcc: x@evil.example", "community": "和平社区"},
            language="zh-hans",
        )
    assert len(mailoutbox) == 1 and "\n" not in mailoutbox[0].subject


def test_phone_typed_with_spaces_is_accepted():
    from marketplace.needs.forms import PhoneField, phone_validator

    field = PhoneField(validators=[phone_validator])
    assert field.clean("139 1234 5678") == "13912345678"
    with pytest.raises(ValidationError):
        field.clean("139 1234")


@pytest.mark.django_db
def test_item_history_in_the_admin_lists_the_edits(client, officer, site, draft, categories):
    client.login(username="officer", password="pw-test-2026")
    item = draft.items.get(code="A0201")
    data = {
        "version": draft.pk,
        "code": "A0201",
        "name": "老年助餐服务（改）",
        "category": categories["A02"].pk,
        "department": "区民政局",
        "kind": "undertaken",
        "content": "助餐",
        "unit": "person_time",
        "price_min": "9",
        "eligible_filed": "on",
    }
    assert client.post(f"/admin/catalogue-items/edit/{item.pk}/", data).status_code == 302
    from wagtail.models import ModelLogEntry

    history = client.get(f"/admin/catalogue-items/history/{item.pk}/")
    assert history.status_code == 200
    assert "已编辑" in history.content.decode()
    entry = ModelLogEntry.objects.get(object_id=str(item.pk))
    assert (entry.action, entry.user) == ("wagtail.edit", officer)
