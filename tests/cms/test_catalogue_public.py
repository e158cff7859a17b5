import io
import shutil
import subprocess

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from marketplace.catalogue.services import create_version, publish_version, retire_item
from tests.catalogue_fixtures import make_item


@pytest.mark.django_db
def test_catalogue_before_any_publication(client, site, draft):
    html = client.get("/catalogue/").content.decode()
    assert "尚未发布服务目录" in html
    assert "居家养老服务" not in html  # drafts are not public


@pytest.mark.django_db
def test_catalogue_lists_the_published_version_by_category(client, site, published):
    html = client.get("/catalogue/").content.decode()
    assert "2026版" in html
    for name in ("居家养老服务", "老年助餐服务", "四点半课堂"):
        assert name in html
    assert "养老服务" in html and "儿童服务" in html  # the category tree
    children_only = client.get("/catalogue/?category=B").content.decode()
    assert "四点半课堂" in children_only and "居家养老服务" not in children_only
    minor = client.get("/catalogue/?category=A02").content.decode()
    assert "老年助餐服务" in minor and "居家养老服务" not in minor


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query,found,absent", [("养老", "居家养老服务", "四点半课堂"), ("课堂", "四点半课堂", "老年助餐服务")]
)
def test_search_finds_chinese_substrings(client, site, published, query, found, absent):
    html = client.get("/catalogue/", {"q": query}).content.decode()
    assert found in html and absent not in html


@pytest.mark.django_db
def test_search_without_match_says_so(client, site, published):
    html = client.get("/catalogue/", {"q": "不存在的服务"}).content.decode()
    assert "没有找到" in html


@pytest.mark.django_db
def test_item_page_shows_standard_and_price(client, site, published):
    response = client.get("/catalogue/A0201/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "老年助餐服务" in html and "8.00–15.00" in html and "区民政局" in html
    assert "服务人员持证上岗" in html
    assert 'href="/catalogue/download/xlsx/"' in html and 'href="/catalogue/download/pdf/"' in html
    assert client.get("/catalogue/NOPE/").status_code == 404


@pytest.mark.django_db
def test_retired_items_leave_the_public_list_but_keep_history(client, site, published, officer):
    successor = create_version(year=2027, name="2027版", based_on=published, by=officer)
    retire_item(successor.items.get(code="B0101"), reason="并入学校课后服务", by=officer)
    publish_version(successor, by=officer)
    html = client.get("/catalogue/").content.decode()
    assert "2027版" in html and "四点半课堂" not in html
    retired = client.get("/catalogue/B0101/").content.decode()  # the exit is public, with its reason
    assert "已退出" in retired and "并入学校课后服务" in retired
    history = client.get("/catalogue/A0101/").content.decode()
    assert "2026版" in history


@pytest.mark.django_db
def test_xlsx_download(client, site, published):
    response = client.get("/catalogue/download/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("编码", "名称")
    assert {r[0] for r in rows[1:]} == {"A0101", "A0201", "B0101"}


@pytest.mark.django_db
def test_pdf_download_embeds_a_chinese_font(client, site, published, tmp_path):
    response = client.get("/catalogue/download/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if not (shutil.which("pdffonts") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdffonts, pdftotext) not installed; CI installs them")
    path = tmp_path / "catalogue.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "PlatformCJK" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    with translation.override("zh-hans"):  # the title from the catalogue (政府购买服务指导性目录 once translated)
        title = gettext("%(district)s government purchase of services: guiding catalogue (%(version)s)") % {
            "district": "示范区",
            "version": "2026版",
        }
    assert "".join(title.split()) in "".join(text.split())
    assert "居家养老服务" in text


@pytest.mark.django_db
def test_no_download_before_publication(client, site, draft):
    assert client.get("/catalogue/download/xlsx/").status_code == 404


@pytest.mark.django_db
def test_public_catalogue_query_count_does_not_grow_with_items(client, site, published, categories):
    client.get("/catalogue/")
    with CaptureQueriesContext(connection) as few:
        client.get("/catalogue/")
    # 40 more items need a new draft (the published one is immutable)
    from marketplace.catalogue.services import create_version as cv

    bigger = cv(year=2027, name="2027版", based_on=published, by=published.published_by)
    for n in range(40):
        make_item(bigger, categories["A01"], f"A01{n + 50:02d}", f"服务{n}")
    publish_version(bigger, by=published.published_by)
    client.get("/catalogue/")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/catalogue/").content.decode()
    assert "第 1 页，共 3 页" in html  # 43 items, 20 per page
    assert len(many.captured_queries) == len(few.captured_queries)
    with CaptureQueriesContext(connection) as detail_few:
        client.get("/catalogue/A0101/")
    assert len(detail_few.captured_queries) <= len(few.captured_queries)


# --- the reader's language (issue 14): the catalogue is not a legal record ----------------------------


def _pdf_text(tmp_path, body, name):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed; CI installs them")
    path = tmp_path / name
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.django_db
def test_an_english_reader_gets_the_catalogue_pdf_in_english(client, site, published, settings, tmp_path):
    settings.PLATFORM_DISTRICT_NAME_EN = "Shifan District"
    chinese = _pdf_text(tmp_path, client.get("/catalogue/download/pdf/").content, "zh.pdf")
    assert "示范区" in chinese and "2026版" in chinese and "居家养老服务" in chinese
    with translation.override("zh-hans"):  # the Chinese catalogue's title, whatever the catalogue's state
        title = gettext("%(district)s government purchase of services: guiding catalogue (%(version)s)")
    assert "".join((title % {"district": "示范区", "version": "2026版"}).split()) in "".join(chinese.split())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _pdf_text(tmp_path, client.get("/catalogue/download/pdf/").content, "en.pdf")
    one_line = " ".join(english.split())
    assert "Shifan District government purchase of services: guiding catalogue (2026 edition)" in one_line
    assert "Reference unit price (CNY)" in one_line and "In force" in one_line
    assert "居家养老服务" in english  # the items are data: as written
    assert "示范区" not in english and "2026版" not in english


@pytest.mark.django_db
def test_english_pages_name_the_version_and_the_district_in_english(client, site, published, settings):
    settings.PLATFORM_DISTRICT_NAME_EN = "Shifan District"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/catalogue/").content.decode()
    assert "2026 edition" in html and "2026版" not in html
    assert "2026 edition" in client.get("/catalogue/A0101/").content.decode()
    home = client.get("/").content.decode()
    assert "示范区" not in home and "Shifan District" in home
