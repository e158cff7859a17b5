"""Entry standards (准入标准) in the Wagtail admin: officers keep them (list,
create, edit) with the required documents chosen from the known kinds; the
rule set is audited; editors and platform administrators without the officer
role cannot reach them; organizations are not editable in the admin."""

import pytest
from django.urls import reverse

from marketplace.models import AuditEvent, EntryStandard
from marketplace.organizations.forms.review import EntryStandardForm

ADD_URL = "/admin/entry-standards/new/"
INDEX_URL = "/admin/entry-standards/"


def refused(response):
    # Wagtail answers PermissionDenied with a redirect to the dashboard (or a login redirect).
    return response.status_code == 403 or (
        response.status_code == 302 and (response["Location"] == "/admin/" or "/login/" in response["Location"])
    )


def _data(**overrides):
    data = {
        "name": "养老服务准入标准",
        "description": "登记满 2 年，2 名持证社工。",
        "required_track": "registered",
        "min_years_since_founding": "2",
        "qualification": "social_worker",
        "min_qualified_staff": "2",
        "required_documents": ["charter", "certificate"],
        "min_performance_grade": "B",
    }
    data.update(overrides)
    return data


@pytest.fixture
def officer_client(client, officer_user, site, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(officer_user)
    return client


@pytest.mark.django_db
def test_officer_lists_the_standard_entry_standards(officer_client):
    response = officer_client.get(INDEX_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "基本准入标准" in html and "专业社工服务准入标准" in html
    # The required documents by name, not as JSON.
    assert "Registration or filing certificate、Charter、Annual inspection result" in html


@pytest.mark.django_db
def test_officer_creates_an_entry_standard_with_required_documents(officer_client, officer_user):
    form_page = officer_client.get(ADD_URL)
    assert form_page.status_code == 200
    html = form_page.content.decode()
    # Checkboxes of the known kinds, not a JSON text box.
    assert 'type="checkbox" name="required_documents" value="annual_inspection"' in html

    response = officer_client.post(ADD_URL, _data())
    assert response.status_code == 302
    standard = EntryStandard.objects.get(name="养老服务准入标准")
    # Stored once each, in the order of the kinds.
    assert standard.required_documents == ["certificate", "charter"]
    assert standard.min_qualified_staff == 2 and standard.qualification == "social_worker"
    assert standard.is_standard is False
    event = AuditEvent.objects.get(action="entrystandard.create")
    assert event.actor == officer_user and event.object_id == str(standard.pk)
    assert event.details["rules"]["required_documents"] == ["certificate", "charter"]
    assert event.details["rules"]["min_performance_grade"] == "B"


@pytest.mark.django_db
def test_an_unknown_kind_of_document_is_refused(officer_client):
    before = EntryStandard.objects.count()
    response = officer_client.post(ADD_URL, _data(required_documents=["charter", "passport"]))
    assert response.status_code == 200
    assert "“passport” is not a known kind of document." in response.content.decode()
    assert EntryStandard.objects.count() == before
    assert not AuditEvent.objects.filter(action="entrystandard.create").exists()


@pytest.mark.django_db
def test_form_refuses_unknown_kinds_and_half_staff_rules():
    form = EntryStandardForm(data=_data(required_documents=["passport"]))
    assert not form.is_valid() and "required_documents" in form.errors
    form = EntryStandardForm(data=_data(qualification="", min_qualified_staff="2"))
    assert not form.is_valid() and "qualification" in form.errors
    form = EntryStandardForm(data=_data(qualification="social_worker", min_qualified_staff="0"))
    assert not form.is_valid() and "min_qualified_staff" in form.errors
    form = EntryStandardForm(data=_data(name="   "))
    assert not form.is_valid() and "name" in form.errors
    form = EntryStandardForm(data=_data(required_documents=[], qualification="", min_qualified_staff="0"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["required_documents"] == []


@pytest.mark.django_db
def test_a_duplicate_name_is_refused(officer_client):
    before = EntryStandard.objects.count()
    response = officer_client.post(ADD_URL, _data(name="基本准入标准"))
    assert response.status_code == 200
    assert EntryStandard.objects.count() == before


@pytest.mark.django_db
def test_officer_edits_an_entry_standard(officer_client, officer_user):
    standard = EntryStandard.objects.get(name="基本准入标准")
    url = f"/admin/entry-standards/edit/{standard.pk}/"
    page = officer_client.get(url)
    assert page.status_code == 200
    assert 'value="charter" id="id_required_documents_1" checked' in page.content.decode()

    data = _data(
        name=standard.name,
        description=standard.description,
        required_track="",
        min_years_since_founding="0",
        qualification="",
        min_qualified_staff="0",
        required_documents=["charter", "annual_inspection"],
        min_performance_grade="",
        is_standard="on",
    )
    response = officer_client.post(url, data)
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.required_documents == ["charter", "annual_inspection"] and standard.is_standard
    event = AuditEvent.objects.get(action="entrystandard.edit")
    assert event.actor == officer_user and event.details["changed"] == ["required_documents"]

    bad = officer_client.post(url, {**data, "required_documents": ["charter", "<script>"]})
    assert bad.status_code == 200
    standard.refresh_from_db()
    assert standard.required_documents == ["charter", "annual_inspection"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "platform_admin"])
def test_other_admin_users_cannot_reach_entry_standards(client, make_user, site, role):
    client.force_login(make_user(role))
    standard = EntryStandard.objects.first()
    before = EntryStandard.objects.count()
    for url in (INDEX_URL, ADD_URL, f"/admin/entry-standards/edit/{standard.pk}/"):
        assert refused(client.get(url)), url
    assert refused(client.post(ADD_URL, _data()))
    assert EntryStandard.objects.count() == before
    # Nor do they see the review link in the admin menu.
    home = client.get("/admin/")
    assert home.status_code == 200
    assert reverse("orgreview:queue") not in home.content.decode()
    assert INDEX_URL not in home.content.decode()


@pytest.mark.django_db
def test_officer_menu_links_to_entry_standards_and_the_review(officer_client):
    html = officer_client.get("/admin/").content.decode()
    assert reverse("orgreview:queue") in html
    assert INDEX_URL in html


@pytest.mark.django_db
def test_organizations_are_not_editable_in_the_admin(officer_user, make_org):
    from wagtail.admin.admin_url_finder import AdminURLFinder

    organization = make_org("submitted")
    assert AdminURLFinder(officer_user).get_edit_url(organization) is None
