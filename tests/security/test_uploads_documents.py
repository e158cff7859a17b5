"""Issue 12, finding 7 (uploaded documents), from the attacker's side: a PDF
that runs something when opened, or an HTML page that merely starts with
``%PDF-``, uploaded as an organization document, a bid document, a call
document or into Wagtail's document library, and then served to officers,
evaluators and the public.  Every such upload is refused with one neutral
message and leaves nothing behind; every uploaded file is served as an
attachment inside an empty sandbox; the platform's own PDFs stay viewable,
in the same sandbox."""

import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from marketplace.core import pdf_check
from marketplace.models import AuditEvent, BidDocument, OrganizationDocument, ProjectDocument
from marketplace.organizations.services import documents
from marketplace.organizations.services.organizations import OrganizationError
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import projects as project_services
from marketplace.procurement.services.bids import BidError
from marketplace.procurement.services.projects import ProjectError
from tests.org_fixtures import pdf_bytes
from tests.project_fixtures import intention_public

SANDBOX = "sandbox; default-src 'none'"
GENERATED = "default-src 'none'; frame-ancestors 'none'"
REFUSED_EN = "This PDF file cannot be accepted"


def _with_catalog(extra):
    """The fixture's small real PDF with ``extra`` added to its catalogue."""
    return pdf_bytes().replace(b"/Type/Catalog", b"/Type/Catalog" + extra)


def _object_stream_pdf(objects):
    """A PDF 1.5 whose objects sit in a compressed object stream."""
    compressed = zlib.compress(b"1 0 2 60 " + objects)
    return (
        b"%PDF-1.5\n5 0 obj\n<</Type/ObjStm/N 2/First 9/Filter/FlateDecode/Length "
        + str(len(compressed)).encode()
        + b">>stream\n"
        + compressed
        + b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
    )


def _with_objects(catalog, objects, page=b""):
    """The fixture's PDF with ``catalog`` added to its catalogue, ``page`` to its page, and ``objects`` (by number)."""
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (number, text) for number, text in objects.items())
    pdf = _with_catalog(catalog).replace(b"/Type/Page/", b"/Type/Page/" + page + b"/")
    return pdf.replace(b"trailer", body + b"trailer")


def _objects_in_a_stream(objects):
    """A PDF 1.5 whose objects (by number) sit in one compressed object stream, with a correct header."""
    header, text = [], b""
    for number, body in objects.items():
        header.append(b"%d %d" % (number, len(text)))
        text += body + b" "
    header = b" ".join(header) + b" "
    compressed = zlib.compress(header + text)
    return (
        b"%%PDF-1.5\n9 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>stream\n"
        % (len(objects), len(header), len(compressed))
        + compressed
        + b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
    )


EVIL_LINK = b"<</S/URI/URI(http://evil.test/)>>"
PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>"

# Found in the security review: an action behind a reference, or of a type that acts on the document.
HOSTILE_ACTIONS = {
    "open-action-referring-to-a-link": _with_objects(b"/OpenAction 5 0 R", {5: EVIL_LINK}),
    "open-action-referring-to-print": _with_objects(b"/OpenAction 5 0 R", {5: b"<</S/Named/N/Print>>"}),
    "open-action-referring-to-a-3d-view": _with_objects(b"/OpenAction 5 0 R", {5: b"<</S/GoTo3DView/TA 6 0 R/V 0>>"}),
    "open-action-referring-to-a-reference": _with_objects(b"/OpenAction 5 0 R", {5: b"6 0 R", 6: EVIL_LINK}),
    "open-action-to-a-missing-object": _with_catalog(b"/OpenAction 5 0 R"),
    "open-action-defined-twice": _with_objects(b"/OpenAction 5 0 R", {5: b"[3 0 R /Fit]"}).replace(
        b"trailer", b"5 0 obj\n" + EVIL_LINK + b"\nendobj\ntrailer"
    ),
    "go-to-with-a-link-next": _with_objects(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]/Next 5 0 R>>", {5: EVIL_LINK}),
    "go-to-with-an-inline-next": _with_catalog(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]/Next[<</S/Named/N/Print>>]>>"),
    "go-to-with-a-looping-next": _with_objects(b"/OpenAction 5 0 R", {5: b"<</S/GoTo/D[3 0 R/Fit]/Next 5 0 R>>"}),
    "inline-link-open-action": _with_catalog(b"/OpenAction" + EVIL_LINK),
    "inline-print-open-action": _with_catalog(b"/OpenAction<</S/Named/N/Print>>"),
    "acroform-reset": _with_objects(
        b"/AcroForm<</Fields[5 0 R]>>",
        {5: b"<</FT/Btn/T(reset)/Subtype/Widget/Rect[0 0 50 20]/A<</S/ResetForm/Flags 0>>/P 3 0 R>>"},
        page=b"Annots[5 0 R]",
    ),
    "hide-action-on-a-link": _with_catalog(b"").replace(
        b"/Type/Page/", b"/Type/Page/Annots[<</Subtype/Link/Rect[0 0 9 9]/A<</S/Hide/T(x)>>>>]/"
    ),
    "set-ocg-state": _with_catalog(b"").replace(
        b"/Type/Page/", b"/Type/Page/Annots[<</Subtype/Link/Rect[0 0 9 9]/A<</S/SetOCGState/State[/OFF 7 0 R]>>>>]/"
    ),
    "named-action-spelt-with-escapes": _with_catalog(b"").replace(
        b"/Type/Page/", b"/Type/Page/Annots[<</Subtype/Link/Rect[0 0 9 9]/A<</S %c\n/N#61med/N/Print>>>>]/"
    ),
    "open-action-into-an-object-stream": _objects_in_a_stream(
        {1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>", 2: PAGES, 3: PAGE, 4: EVIL_LINK}
    ),
}
# What must stay accepted alongside: go-tos and links.
PLAIN_ACTIONS = {
    "open-action-referring-to-the-first-page": _with_objects(b"/OpenAction 5 0 R", {5: b"[3 0 R /XYZ null null 0]"}),
    "open-action-referring-to-a-go-to": _with_objects(
        b"/OpenAction 5 0 R", {5: b"<</Type/Action/S/GoTo/D[3 0 R/Fit]/Next 6 0 R>>", 6: b"<</S/GoTo/D(intro)>>"}
    ),
    "links-on-a-page": _with_catalog(b"").replace(
        b"/Type/Page/",
        b"/Type/Page/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</Type/Action/S/URI/URI(https://example.test/"
        b"a?b=(1\\))>>>> <</Subtype/Link/Rect[0 0 9 9]/A<</S/GoTo/D[3 0 R/Fit]>>>>]/",
    ),
    "open-action-into-an-object-stream": _objects_in_a_stream(
        {1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>", 2: PAGES, 3: PAGE, 4: b"[3 0 R /Fit]"}
    ),
}

HOSTILE = {
    "javascript-open-action": _with_catalog(b"/OpenAction<</S/JavaScript/JS(app.alert(document.cookie))>>"),
    "names-spelt-with-escapes": _with_catalog(b"/Open#41ction<</S/Java#53cript/J#53(app.alert(1))>>"),
    "javascript-name-tree": _with_catalog(b"/Names<</JavaScript<</Names[(x) 9 0 R]>>>>"),
    "additional-actions": pdf_bytes().replace(b"/Type/Page/", b"/Type/Page/AA<</O<</S/URI/URI(http://x.test)>>>>/"),
    "launch": _with_catalog(b"/OpenAction<</S/Launch/F(cmd.exe)>>"),
    "embedded-files": _with_catalog(b"/Names<</EmbeddedFiles<</Names[(a.exe) 9 0 R]>>>>"),
    "rich-media": pdf_bytes().replace(b"/Type/Page/", b"/Type/Page/Annots[<</Subtype/RichMedia>>]/"),
    "xfa-form": _with_catalog(b"/AcroForm<</XFA 9 0 R/Fields[]>>"),
    "submit-form": _with_catalog(b"/OpenAction<</S/SubmitForm/F(http://x.test)>>"),
    "javascript-in-an-object-stream": _object_stream_pdf(
        b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(x)>>>> <</Type/Pages/Kids[]/Count 0>>"
    ),
    "html-that-starts-with-the-signature": (
        b"%PDF-1.4\n<html><body><script>fetch('/accounts/')</script></body></html>\n%%EOF\n"
    ),
    "html-with-fake-objects": b"%PDF-1.4\n1 0 obj<<>>endobj\n<!DOCTYPE html><p>x</p>\ntrailer<<>>\n%%EOF\n",
    "text-that-starts-with-the-signature": b"%PDF-1.4 hello\n%%EOF\n",
}

PLAIN = {
    "minimal": pdf_bytes("plain"),
    "open-at-first-page": _with_catalog(b"/OpenAction[3 0 R /XYZ null null 0]"),  # LibreOffice writes this
    "object-stream": _object_stream_pdf(b"<</Type/Catalog/Pages 2 0 R>> <</Type/Pages/Kids[]/Count 0>>"),
}


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def _stored_files():
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()}


def _upload(content, name="材料.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- the check itself --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_pdfs_are_not_plain(name):
    assert not pdf_check.is_plain_pdf(HOSTILE[name])


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_pdfs_are_plain(name):
    pdf_check.check_pdf(PLAIN[name])


@pytest.mark.parametrize("name", sorted(HOSTILE_ACTIONS))
def test_actions_behind_references_and_document_actions_are_refused(name):
    with pytest.raises(pdf_check.PDFRefusedError):
        pdf_check.check_pdf(HOSTILE_ACTIONS[name])


@pytest.mark.parametrize("name", sorted(PLAIN_ACTIONS))
def test_go_tos_and_ordinary_links_are_still_accepted(name):
    pdf_check.check_pdf(PLAIN_ACTIONS[name])


def test_an_open_action_is_judged_the_same_inline_and_referred_to():
    """The same action, written in place or in an object the catalogue refers to: the same answer."""
    actions = [
        EVIL_LINK,
        b"<</S/Named/N/Print>>",
        b"<</S/GoTo3DView/TA 6 0 R/V 0>>",
        b"<</S/ResetForm>>",
        b"<</S/GoTo/D[3 0 R/Fit]>>",
        b"[3 0 R /Fit]",
        b"<</S/GoTo/D[3 0 R/Fit]/Next<</S/URI/URI(http://evil.test/)>>>>",
    ]
    for action in actions:
        inline = pdf_check.is_plain_pdf(_with_catalog(b"/OpenAction" + action))
        referred = pdf_check.is_plain_pdf(_with_objects(b"/OpenAction 5 0 R", {5: action}))
        assert inline == referred, action
    assert pdf_check.is_plain_pdf(_with_catalog(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]>>"))


def test_a_pdf_with_internal_and_external_links_made_by_weasyprint_is_accepted():
    from weasyprint import HTML

    html = (
        "<h1 id='top'>评审报告</h1><p><a href='#part'>下文</a> <a href='https://example.test/x?a=1&b=(2)'>链接</a>"
        "<a href='mailto:a@example.test'>邮件</a></p>"
        "<h2 id='part' style='break-before: page'>二</h2><a href='#top'>上</a>"
    )
    pdf_check.check_pdf(HTML(string=html).write_pdf())


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["open-action-referring-to-a-link", "acroform-reset"])
def test_a_referred_open_action_is_refused_as_an_organization_document(org, org_admin, english, name):
    with pytest.raises(OrganizationError):
        documents.upload_document(org, by=org_admin, kind="charter", file=_upload(HOSTILE_ACTIONS[name]))
    assert not OrganizationDocument.objects.filter(organization=org).exists()


def test_pdfs_the_platform_generates_are_plain():
    from weasyprint import HTML

    pdf_check.check_pdf(HTML(string="<h1>评审报告</h1><p><a href='https://example.test/'>link</a></p>").write_pdf())


# --- organization documents --------------------------------------------------------------------------------


@pytest.fixture
def org(make_org, org_admin):
    return make_org("draft", admin=org_admin, documents=[])


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_organization_document_is_refused_and_nothing_is_kept(org, org_admin, english, name):
    before = _stored_files()
    with pytest.raises(OrganizationError) as refused:
        documents.upload_document(org, by=org_admin, kind="charter", file=_upload(HOSTILE[name]))
    assert refused.value.field == "file"
    assert not OrganizationDocument.objects.filter(organization=org).exists()
    assert not AuditEvent.objects.filter(action="organization.document_upload").exists()
    assert _stored_files() == before


@pytest.mark.django_db
def test_the_refusal_is_neutral_and_translated(org, org_admin):
    """One message for every refusal: it does not tell the uploader which name to disguise."""
    messages = set()
    for name in ("javascript-open-action", "launch", "xfa-form"):
        with pytest.raises(OrganizationError) as refused:
            documents.upload_document(org, by=org_admin, kind="charter", file=_upload(HOSTILE[name]))
        messages.add(refused.value.message)
    assert len(messages) == 1
    message = messages.pop()
    assert "JavaScript" not in message and "Launch" not in message and "XFA" not in message
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "This PDF file cannot be accepted: it is not a plain PDF document or it contains active "
            "content (such as scripts, actions or embedded files). Print or scan the document to a "
            "new PDF file and upload that."
        )
    assert message == expected


@pytest.mark.django_db
def test_hostile_organization_document_through_the_upload_page(client, org, org_admin):
    client.force_login(org_admin)
    client.cookies["platform_language"] = "en"
    response = client.post(
        f"/org/{org.pk}/documents/", {"kind": "other", "file": _upload(HOSTILE["javascript-open-action"], "证书.pdf")}
    )
    assert response.status_code == 200
    assert REFUSED_EN in response.content.decode()
    assert not OrganizationDocument.objects.filter(organization=org).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_organization_documents_are_still_accepted(org, org_admin, name):
    document = documents.upload_document(org, by=org_admin, kind="other", file=_upload(PLAIN[name]))
    assert document.content_type == "application/pdf"


# --- bid documents and call documents ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["javascript-open-action", "html-that-starts-with-the-signature", "embedded-files"])
def test_hostile_bid_document_is_refused(make_project, bidder, org_admin, english, name):
    project = make_project("published")
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    with pytest.raises(BidError) as refused:
        bid_services.upload_document(bid, by=org_admin, file=_upload(HOSTILE[name]), title="服务方案")
    assert REFUSED_EN in refused.value.message
    assert not BidDocument.objects.filter(bid=bid).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["javascript-open-action", "html-with-fake-objects", "rich-media"])
def test_hostile_call_document_is_refused(make_project, officer, english, name):
    project = make_project("draft")
    with pytest.raises(ProjectError) as refused:
        project_services.upload_project_document(project, by=officer, file=_upload(HOSTILE[name]), kind="call")
    assert REFUSED_EN in refused.value.message
    assert not ProjectDocument.objects.filter(project=project).exists()


# --- how uploaded files are served ----------------------------------------------------------------------


def _assert_sandboxed_attachment(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_organization_document_is_served_as_a_sandboxed_attachment(client, org, org_admin):
    document = documents.upload_document(org, by=org_admin, kind="other", file=_upload(pdf_bytes()))
    client.force_login(org_admin)
    _assert_sandboxed_attachment(client.get(f"/org/{org.pk}/documents/{document.pk}/"))


@pytest.mark.django_db
def test_bid_document_is_served_as_a_sandboxed_attachment(client, make_project, bidder, org_admin):
    project = make_project("published")
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    document = bid_services.upload_document(bid, by=org_admin, file=_upload(pdf_bytes()), title="方案")
    client.force_login(org_admin)
    _assert_sandboxed_attachment(client.get(f"/org/{bidder.pk}/bids/{project.ref}/documents/{document.pk}/"))


@pytest.mark.django_db
def test_public_call_document_is_served_as_a_sandboxed_attachment(client, site, make_project, officer, second_officer):
    project = make_project("draft")
    document = project_services.upload_project_document(project, by=officer, file=_upload(pdf_bytes()), kind="call")
    project = intention_public(project, by=officer)
    project = project_services.submit_for_approval(project, by=officer)
    project_services.approve_project(project, by=second_officer)
    _assert_sandboxed_attachment(client.get(f"/projects/{project.ref}/documents/{document.pk}/"))


@pytest.mark.django_db
def test_the_platforms_own_pdf_stays_viewable_and_loads_nothing(client, site, make_project):
    # No ``sandbox`` here: some built-in PDF viewers (Safari's) show a blank page inside one, and
    # these PDFs are made by the platform from its own data; they still may load nothing.
    project = make_project("published")
    response = client.get(f"/projects/{project.ref}/pdf/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == GENERATED
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Wagtail's document library -----------------------------------------------------------------------------


def _library_form(content, name):
    from wagtail.documents import get_document_model
    from wagtail.documents.forms import get_document_form

    form_class = get_document_form(get_document_model())
    return form_class(
        data={"title": "公告附件", "collection": _root_collection().pk},
        files={"file": SimpleUploadedFile(name, content)},
        user=None,
    )


def _root_collection():
    from wagtail.models import Collection

    return Collection.get_first_root_node()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["javascript-open-action", "html-that-starts-with-the-signature", "launch"])
def test_hostile_pdf_is_refused_by_the_document_library(site, english, name):
    form = _library_form(HOSTILE[name], "公告.pdf")
    assert not form.is_valid()
    assert REFUSED_EN in " ".join(form.errors["file"])


@pytest.mark.django_db
def test_plain_pdf_is_accepted_by_the_document_library(site):
    form = _library_form(pdf_bytes(), "公告.pdf")
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_library_document_is_served_as_a_sandboxed_attachment(client, site, settings, tmp_path):
    from wagtail.documents import get_document_model

    # Wagtail serves a document from its path on disk: a real (temporary) folder.
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}

    document = get_document_model().objects.create(
        title="公告附件", file=ContentFile(pdf_bytes(), name="notice.pdf"), collection=_root_collection()
    )
    response = client.get(document.url)
    _assert_sandboxed_attachment(response)
