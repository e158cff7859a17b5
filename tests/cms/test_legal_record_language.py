"""Legal records are issued in Chinese only, whoever reads them, and the page
that offers one says so to a reader of another language (issue 14)."""

import shutil
import subprocess

import pytest
from django.conf import settings

from tests.project_fixtures import open_now, submit_bid

NOTICE = "This legal record is in Chinese only"


def _pdf_text(body):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed; CI installs them")
    result = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True, timeout=60)
    return result.stdout.decode()


@pytest.mark.django_db
def test_the_opening_record_is_chinese_only_and_its_page_says_so(client, site, make_project, bidder, org_admin):
    project = make_project("published", method_code="consultation", days=15)
    submit_bid(project, bidder, org_admin)
    open_now(project)
    url = f"/projects/{project.ref}/opening/"

    chinese = client.get(url).content.decode()
    assert NOTICE not in chinese and "法律文书仅提供中文版" not in chinese

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert NOTICE in english and "法律文书仅提供中文版" in english
    # The PDF an English reader gets is the Chinese record.
    text = _pdf_text(client.get(f"{url}pdf/").content)
    assert "开标记录" in text and "Opening record" not in text
    assert settings.PLATFORM_DISTRICT_NAME in text


@pytest.mark.django_db
def test_call_page_and_receipt_say_their_pdfs_are_chinese_records(client, site, make_project, bidder, org_admin):
    project = make_project("published", method_code="consultation", days=15)
    submit_bid(project, bidder, org_admin)
    call = f"/projects/{project.ref}/"
    assert NOTICE not in client.get(call).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert NOTICE in client.get(call).content.decode()
    # The call announcement an English reader downloads is the Chinese record.
    assert "Call announcement" not in _pdf_text(client.get(f"{call}pdf/").content)

    client.force_login(org_admin)
    receipt = client.get(f"/org/{bidder.pk}/bids/{project.ref}/receipts/1/")
    assert receipt.status_code == 200 and NOTICE in receipt.content.decode()
