"""Issue 12, finding 7 (catalogue files), from the attacker's side: a zip
bomb posing as an .xlsx import, and a catalogue version name that breaks
the .xlsx export in the admin and on the public download."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from django.utils.translation import override

from marketplace.catalogue import importing as catalogue_io
from marketplace.catalogue.services import create_version, publish_version
from marketplace.models import CatalogueImport, CatalogueVersion
from tests.catalogue_fixtures import make_item
from tests.marketplace.catalogue.test_catalogue_import import row, xlsx_bytes

MB = 1024 * 1024


def refusal_text():
    """The refusal as the (Chinese) reader sees it, escaped as in the page."""
    with override("zh-hans"):
        return escape(catalogue_io.render_error(catalogue_io.error("archive_too_large", max=50)))


def zip_bomb(inflated_mb=100):
    """A small archive that looks like a workbook and inflates to
    ``inflated_mb`` MB: 100 MB of zeros pack into about 100 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            zeros = b"0" * MB
            for _ in range(inflated_mb):
                part.write(zeros)
    return buffer.getvalue()


@pytest.fixture
def officer_client(client, officer, site):
    client.login(username="officer", password="pw-test-2026")
    return client


@pytest.fixture
def never_opened(monkeypatch):
    """Fail the test if openpyxl is asked to open (and so inflate) the file."""

    def refuse(*args, **kwargs):
        raise AssertionError("the archive was handed to openpyxl before its sizes were checked")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_the_bomb_is_small_and_large():
    bomb = zip_bomb()
    assert len(bomb) < 200 * 1024
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert sum(member.file_size for member in archive.infolist()) >= 100 * MB


@pytest.mark.django_db
def test_zip_bomb_upload_is_refused_by_the_form_and_nothing_is_stored(officer_client, officer, categories):
    draft = create_version(year=2027, name="2027版", by=officer)
    response = officer_client.post(
        f"/admin/catalogue/{draft.pk}/import/", {"file": SimpleUploadedFile("目录.xlsx", zip_bomb())}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert refusal_text() in page
    assert not CatalogueImport.objects.exists()
    assert draft.items.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("inflated_mb", [100, 40])  # over the total limit; under it but packed 1000:1
def test_zip_bomb_in_the_import_job_is_refused_without_inflating_it(officer, categories, never_opened, inflated_mb):
    """Had the form been bypassed (or the file come another way), the job
    itself refuses the archive from its directory, before openpyxl reads it."""
    draft = create_version(year=2027, name="2027版", by=officer)
    job = CatalogueImport.objects.create(
        version=draft, uploaded_by=officer, filename="目录.xlsx", content=zip_bomb(inflated_mb)
    )
    catalogue_io.run_import(job.pk)
    job.refresh_from_db()
    assert job.status == CatalogueImport.Status.FAILED
    assert [err["code"] for err in job.errors] == ["archive_too_large"]
    assert draft.items.count() == 0


@pytest.mark.django_db
def test_the_refusal_is_shown_in_the_readers_language(officer_client, officer, categories):
    draft = create_version(year=2027, name="2027版", by=officer)
    job = CatalogueImport.objects.create(version=draft, uploaded_by=officer, filename="目录.xlsx", content=zip_bomb())
    catalogue_io.run_import(job.pk)
    page = officer_client.get(f"/admin/catalogue/imports/{job.pk}/").content.decode()
    assert refusal_text() in page and "没有导入任何事项" in page


@pytest.mark.django_db
def test_a_real_workbook_still_imports(officer, categories):
    draft = create_version(year=2027, name="2027版", by=officer)
    job = CatalogueImport.objects.create(
        version=draft, uploaded_by=officer, filename="目录.xlsx", content=xlsx_bytes([row("C0101")])
    )
    catalogue_io.run_import(job.pk)
    job.refresh_from_db()
    assert job.status == CatalogueImport.Status.SUCCEEDED, job.errors


# --- a version name with characters a worksheet title cannot hold --------------------------------


@pytest.fixture
def slashed(categories):
    version = CatalogueVersion.objects.create(year=2026, name="2026/2027版")
    make_item(version, categories["A01"], "A0101", "居家养老服务")
    return version


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["2026/2027版", "目录\\草稿", "[试行]版本?", "*:版本", "'引号'", "/", "很长的名称" * 10]
)
def test_admin_export_survives_any_version_name(officer_client, categories, name):
    version = CatalogueVersion.objects.create(year=2026, name=name)
    make_item(version, categories["A01"], "A0101", "居家养老服务")
    response = officer_client.get(f"/admin/catalogue/{version.pk}/export.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.active.title and len(workbook.active.title) <= 31
    assert [r[0] for r in workbook.active.iter_rows(values_only=True)] == ["编码", "A0101"]


@pytest.mark.django_db
def test_public_download_survives_a_slash_in_the_published_name(client, site, slashed, officer):
    publish_version(slashed, by=officer)
    response = client.get("/catalogue/download/xlsx/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "2026-2027版"
    assert "/" not in response["Content-Disposition"].split("filename=")[1]


@pytest.mark.django_db
def test_control_characters_in_imported_text_do_not_break_the_export(officer_client, slashed):
    item = slashed.items.get()
    item.content = "上门\x01助洁\x1f"
    item.save()
    response = officer_client.get(f"/admin/catalogue/{slashed.pk}/export.xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][6] == "上门助洁"
