import csv
import io

import openpyxl
import pytest

from marketplace.catalogue.importing import COLUMNS, export_xlsx, render_error, run_import, start_import
from marketplace.catalogue.services import create_version
from marketplace.models import AuditEvent, CatalogueImport, CatalogueItem, CatalogueVersion

HEADERS = [title for _field, title in COLUMNS]


def row(code="C0102", name="居家养老上门服务", major="养老服务", minor="居家养老", price="60", **extra):
    values = {
        "编码": code,
        "名称": name,
        "大类": major,
        "小类": minor,
        "责任部门": "区民政局",
        "类型": "承办",
        "服务内容": "上门助洁、助浴",
        "服务数量": "每户每月4次",
        "质量要求": "持证上岗",
        "预期成果": "服务记录",
        "计价单位": "人次",
        "参考单价": price,
        "参考单价上限": "",
        "适用组织": "备案、登记",
        "状态": "有效",
        "退出原因": "",
    }
    values.update(extra)
    return [values[h] for h in HEADERS]


def csv_bytes(rows, header=HEADERS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows, header=HEADERS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def empty_draft(categories, officer):
    return create_version(year=2027, name="2027版", by=officer)


def do_import(version, user, filename, content):
    job = CatalogueImport.objects.create(version=version, uploaded_by=user, filename=filename, content=content)
    run_import(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
@pytest.mark.parametrize("maker,filename", [(csv_bytes, "目录.csv"), (xlsx_bytes, "目录.xlsx")])
def test_good_file_imports_every_row(empty_draft, officer, maker, filename):
    rows = [row("C0101"), row("C0102", "老年助餐", minor="社区照料", price="8.5", 参考单价上限="15")]
    job = do_import(empty_draft, officer, filename, maker(rows))
    assert job.status == CatalogueImport.Status.SUCCEEDED, job.errors
    assert job.created_count == 2 and job.processed_rows == job.total_rows == 2
    meal = empty_draft.items.get(code="C0102")
    assert str(meal.price_min) == "8.50" and str(meal.price_max) == "15.00"
    assert meal.category.name == "社区照料"
    assert AuditEvent.objects.filter(action="catalogueimport.import", actor=officer).count() == 1


BAD_ROWS = [
    ("missing code", row(code=""), "required", "编码"),
    ("unknown category", row(minor="不存在的小类"), "unknown_minor", "小类"),
    ("unknown major", row(major="不存在的大类"), "unknown_major", "大类"),
    ("negative price", row(price="-5"), "negative", "参考单价"),
    ("non-numeric price", row(price="六十元"), "not_number", "参考单价"),
    ("three decimals", row(price="1.005"), "too_precise", "参考单价"),
    ("bad unit", row(计价单位="公斤"), "bad_unit", "计价单位"),
    ("bad kind", row(类型="外包"), "bad_kind", "类型"),
    ("range upside down", row(price="50", 参考单价上限="40"), "range_order", "参考单价上限"),
    ("retired without reason", row(状态="已退出"), "retired_without_reason", "退出原因"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("label,bad,code,column", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_one_bad_row_imports_nothing_and_is_reported(empty_draft, officer, label, bad, code, column):
    rows = [row("C0101"), bad, row("C0103")]
    job = do_import(empty_draft, officer, "目录.csv", csv_bytes(rows))
    assert job.status == CatalogueImport.Status.FAILED
    assert empty_draft.items.count() == 0
    assert [(e["row"], e["code"], e["column"]) for e in job.errors] == [(3, code, column)]


@pytest.mark.django_db
def test_duplicate_codes_in_file_and_in_version(draft, officer):
    rows = [row("C0101"), row("C0101"), row("A0101")]
    job = do_import(draft, officer, "目录.csv", csv_bytes(rows))
    assert job.status == CatalogueImport.Status.FAILED
    codes = [(e["row"], e["code"]) for e in job.errors]
    assert codes == [(3, "duplicate_in_file"), (4, "duplicate_in_version")]
    assert draft.items.count() == 3
    assert "C0101" in render_error(job.errors[0]) and "2" in render_error(job.errors[0])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filename,content,code",
    [
        ("目录.txt", b"code,name\n", "file_type"),
        ("目录.xlsx", "编码,名称\nA,b\n".encode(), "not_xlsx"),
        ("目录.xlsx", b"PK\x03\x04garbage-not-a-zip", "not_xlsx"),
        ("目录.csv", xlsx_bytes([row()]), "not_text"),
        ("目录.csv", b"", "empty"),
        ("目录.csv", "编码,名称\n".encode(), "missing_columns"),
    ],
)
def test_wrong_files_are_rejected_whole(empty_draft, officer, filename, content, code):
    job = do_import(empty_draft, officer, filename, content)
    assert job.status == CatalogueImport.Status.FAILED
    assert [e["code"] for e in job.errors] == [code]
    assert empty_draft.items.count() == 0


@pytest.mark.django_db
def test_gb18030_csv_is_read(empty_draft, officer):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, row("C0101")])
    job = do_import(empty_draft, officer, "目录.csv", buffer.getvalue().encode("gb18030"))
    assert job.status == CatalogueImport.Status.SUCCEEDED, job.errors


@pytest.mark.django_db
def test_import_into_a_published_version_is_refused(published, officer):
    job = do_import(published, officer, "目录.csv", csv_bytes([row("C0101")]))
    assert job.status == CatalogueImport.Status.FAILED
    assert [e["code"] for e in job.errors] == ["version_locked"]
    assert published.items.count() == 3


@pytest.mark.django_db
def test_export_then_import_gives_the_same_items(published, officer):
    retired_draft = create_version(year=2027, name="2027版", based_on=published, by=officer)
    from marketplace.catalogue.services import retire_item

    retire_item(retired_draft.items.get(code="B0101"), reason="合并", by=officer)
    fresh = create_version(year=2028, name="2028版", by=officer)
    job = do_import(fresh, officer, "export.xlsx", export_xlsx(retired_draft))
    assert job.status == CatalogueImport.Status.SUCCEEDED, job.errors

    fields = [
        "code",
        "name",
        "category_id",
        "department",
        "kind",
        "content",
        "quantity",
        "quality",
        "outputs",
        "unit",
        "price_min",
        "price_max",
        "eligible_filed",
        "eligible_registered",
        "active",
        "retired_reason",
    ]

    def snapshot(version):
        return sorted(tuple(getattr(i, f) for f in fields) for i in version.items.all())

    assert snapshot(fresh) == snapshot(retired_draft)


@pytest.mark.django_db
def test_large_file_reports_progress_and_runs_through_the_task(
    empty_draft, officer, django_capture_on_commit_callbacks
):
    rows = [row(f"C{n:04d}") for n in range(300)]
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(empty_draft, filename="大目录.xlsx", content=xlsx_bytes(rows), by=officer)
    job.refresh_from_db()
    assert job.status == CatalogueImport.Status.SUCCEEDED
    assert job.total_rows == job.processed_rows == 300 and job.percent == 100
    assert empty_draft.items.count() == 300


@pytest.mark.django_db
def test_import_needs_the_permission(empty_draft, make_user):
    worker = make_user("community_worker")
    with pytest.raises(PermissionError):
        start_import(empty_draft, filename="a.csv", content=csv_bytes([row()]), by=worker)
    assert not CatalogueImport.objects.exists()
    assert CatalogueVersion.objects.get(pk=empty_draft.pk).items.count() == 0
    assert CatalogueItem.objects.count() == 0
