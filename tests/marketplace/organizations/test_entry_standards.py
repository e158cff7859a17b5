"""Entry standards (准入标准): each rule, passing and failing, with its
explanation.  Messages are asserted on their English msgids: the zh-hans
catalogue is compiled from them later."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from marketplace.models import EntryStandard, Organization, StaffMember
from marketplace.organizations.services import entry_standards
from tests.org_fixtures import add_document

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _standard(name="测试准入标准", **fields):
    return EntryStandard.objects.create(name=name, **fields)


def _result(eligibility, code):
    found = [result for result in eligibility.results if result.code == code]
    assert len(found) == 1, [result.code for result in eligibility.results]
    return found[0]


# --- the result objects ---------------------------------------------------------------


def test_eligibility_collects_failures(make_org):
    org = make_org("approved")
    standard = _standard(required_documents=["charter", "annual_inspection"], min_years_since_founding=1)
    eligibility = entry_standards.check(standard, org, today=TODAY)
    assert eligibility.standard == standard and eligibility.organization == org
    assert [result.code for result in eligibility.results] == ["status", "years", "documents"]
    assert not eligibility.eligible
    assert [result.code for result in eligibility.failures] == ["documents"]


def test_a_standard_without_rules_needs_only_approval(make_org):
    standard = _standard()
    assert entry_standards.check(standard, make_org("approved"), today=TODAY).eligible
    assert not entry_standards.check(standard, make_org("draft"), today=TODAY).eligible


# --- 1. status ------------------------------------------------------------------------------


def test_status_approved_passes(make_org):
    result = _result(entry_standards.check(_standard(), make_org("approved"), today=TODAY), "status")
    assert result.passed
    assert result.message == "The organization is approved, with no active blacklisting or suspension."


def test_status_suspended_fails(make_org):
    result = _result(entry_standards.check(_standard(), make_org("suspended"), today=TODAY), "status")
    assert not result.passed
    assert result.message == "The organization is suspended: it is not eligible until it is reinstated."


def test_status_blacklisted_fails_with_the_end_date(make_org):
    org = make_org("blacklisted")
    result = _result(entry_standards.check(_standard(), org, today=TODAY), "status")
    assert not result.passed
    assert result.message == (
        f"The organization is blacklisted until {org.blacklisted_until.isoformat()}: it is not eligible before then."
    )


@pytest.mark.parametrize(
    ("state", "label"),
    [("draft", "Draft"), ("submitted", "Submitted for review"), ("returned", "Returned for changes")],
)
def test_status_not_yet_approved_fails(make_org, state, label):
    result = _result(entry_standards.check(_standard(), make_org(state), today=TODAY), "status")
    assert not result.passed
    assert result.message == f"The organization is not yet approved (its status: {label})."


# --- 2. track ---------------------------------------------------------------------------------


def test_track_is_checked_only_when_required(make_org):
    eligibility = entry_standards.check(_standard(), make_org("approved"), today=TODAY)
    assert "track" not in [result.code for result in eligibility.results]


def test_track_registered_required(make_org):
    standard = _standard(required_track="registered")
    failed = _result(entry_standards.check(standard, make_org("approved"), today=TODAY), "track")
    assert not failed.passed
    assert failed.message == (
        "The standard requires the track “Registered”; the organization's track is “Filed (community organization)”."
    )
    passed = _result(entry_standards.check(standard, make_org("approved", track="registered"), today=TODAY), "track")
    assert passed.passed
    assert passed.message == "The standard requires the track “Registered”; it is met."


# --- 3. years since founding --------------------------------------------------------------------


def test_years_since_founding(make_org):
    org = make_org("approved", founded_on=datetime.date(2023, 6, 2))
    standard = _standard(min_years_since_founding=3)
    failed = _result(entry_standards.check(standard, org, today=TODAY), "years")
    assert not failed.passed
    assert failed.message == "Founded on 2023-06-02, only 2 full year(s) ago; at least 3 required."
    passed = _result(entry_standards.check(standard, org, today=datetime.date(2026, 6, 2)), "years")
    assert passed.passed
    assert passed.message == "Founded on 2023-06-02, 3 full year(s) ago (at least 3 required)."


def test_years_not_checked_when_zero(make_org):
    org = make_org("approved")
    Organization.objects.filter(pk=org.pk).update(founded_on=None)
    org.refresh_from_db()
    assert entry_standards.check(_standard(min_years_since_founding=0), org, today=TODAY).eligible


def test_missing_founding_date_fails(make_org):
    org = make_org("approved")
    Organization.objects.filter(pk=org.pk).update(founded_on=None)
    org.refresh_from_db()
    result = _result(entry_standards.check(_standard(min_years_since_founding=1), org, today=TODAY), "years")
    assert not result.passed
    assert result.message == (
        "The standard requires at least 1 full year(s) since founding, but the founding date is not recorded."
    )


@pytest.mark.parametrize(
    ("founded", "today", "years"),
    [
        (datetime.date(2020, 5, 1), datetime.date(2021, 4, 30), 0),
        (datetime.date(2020, 5, 1), datetime.date(2021, 5, 1), 1),
        # Founded on 29 February: the anniversary in a common year is 28 February.
        (datetime.date(2020, 2, 29), datetime.date(2021, 2, 27), 0),
        (datetime.date(2020, 2, 29), datetime.date(2021, 2, 28), 1),
        (datetime.date(2020, 2, 29), datetime.date(2021, 3, 1), 1),
        (datetime.date(2020, 2, 29), datetime.date(2024, 2, 28), 3),
        (datetime.date(2020, 2, 29), datetime.date(2024, 2, 29), 4),
        (datetime.date(2019, 3, 1), datetime.date(2020, 2, 29), 0),
        (datetime.date(2030, 1, 1), datetime.date(2026, 1, 1), 0),  # in the future: none
    ],
)
def test_whole_years(founded, today, years):
    assert entry_standards.whole_years(founded, today) == years


def test_founded_on_29_february(make_org):
    org = make_org("approved", founded_on=datetime.date(2020, 2, 29))
    standard = _standard(min_years_since_founding=1)
    assert not entry_standards.check(standard, org, today=datetime.date(2021, 2, 27)).eligible
    assert entry_standards.check(standard, org, today=datetime.date(2021, 2, 28)).eligible


# --- 4. qualified staff ---------------------------------------------------------------------------


@pytest.fixture
def staffed_org(make_org):
    """Five staff: 张三 assistant social worker (valid certificate), 李四
    social worker (valid), 王五 assistant (no certificate), 赵六 assistant
    (certificate expired), 钱七 other qualification (valid)."""
    org = make_org("approved")
    zhang, li, wang, zhao, qian = StaffMember.objects.filter(organization=org).order_by("position")
    for person, qualification in (
        (zhang, "assistant_sw"),
        (li, "social_worker"),
        (wang, "assistant_sw"),
        (zhao, "assistant_sw"),
        (qian, "other"),
    ):
        person.qualification = qualification
        person.save()
    add_document(org, "qualification", staff_member=zhang, expires_on=TODAY)
    add_document(org, "qualification", staff_member=li)
    add_document(org, "qualification", staff_member=zhao, expires_on=TODAY - datetime.timedelta(days=1))
    add_document(org, "qualification", staff_member=qian)
    # 王五's only certificate was replaced by a document of another person.
    replaced = add_document(org, "qualification", staff_member=wang)
    replaced.replaced_by = add_document(org, "other")
    replaced.save()
    return org


def test_qualified_staff_passes_counting_higher_qualifications(staffed_org):
    standard = _standard(qualification="assistant_sw", min_qualified_staff=2)
    result = _result(entry_standards.check(standard, staffed_org, today=TODAY), "qualified_staff")
    assert result.passed
    assert result.message == (
        "Staff holding Assistant social worker (助理社会工作师) or higher, each backed by a valid qualification "
        "document: 2 (at least 2 required)."
    )


def test_qualified_staff_fails_and_names_unbacked_qualifications(staffed_org):
    standard = _standard(qualification="assistant_sw", min_qualified_staff=3)
    result = _result(entry_standards.check(standard, staffed_org, today=TODAY), "qualified_staff")
    assert not result.passed
    assert result.message == (
        "Staff holding Assistant social worker (助理社会工作师) or higher, each backed by a valid qualification "
        "document: 2, fewer than the 3 required. Another 2 have it recorded but no valid qualification document: "
        "upload the certificate for each."
    )


def test_qualified_staff_a_lower_qualification_does_not_count(staffed_org):
    standard = _standard(qualification="senior_sw", min_qualified_staff=1)
    result = _result(entry_standards.check(standard, staffed_org, today=TODAY), "qualified_staff")
    assert not result.passed
    assert result.message == (
        "Staff holding Senior social worker (高级社会工作师), each backed by a valid qualification document: 0, "
        "fewer than the 1 required."
    )
    standard = _standard(name="社会工作师", qualification="social_worker", min_qualified_staff=1)
    assert _result(entry_standards.check(standard, staffed_org, today=TODAY), "qualified_staff").passed


def test_qualified_staff_other_qualification_and_any(staffed_org):
    other = _standard(qualification="other", min_qualified_staff=1)
    assert _result(entry_standards.check(other, staffed_org, today=TODAY), "qualified_staff").passed
    any_qualification = _standard(name="任何资格", qualification="", min_qualified_staff=3)
    result = _result(entry_standards.check(any_qualification, staffed_org, today=TODAY), "qualified_staff")
    assert result.passed  # 张三, 李四, 钱七
    assert "any professional qualification" in result.message
    assert ": 3 (at least 3 required)" in result.message


def test_qualified_staff_document_expiring_tomorrow_no_longer_counts(staffed_org):
    standard = _standard(qualification="assistant_sw", min_qualified_staff=2)
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert not entry_standards.check(standard, staffed_org, today=tomorrow).eligible  # 张三's expired


# --- 5. required documents ---------------------------------------------------------------------------


def test_required_documents_valid(make_org):
    org = make_org("approved", track="registered")
    standard = _standard(required_documents=["certificate", "charter"])
    result = _result(entry_standards.check(standard, org, today=TODAY), "documents")
    assert result.passed
    assert result.message == "The required documents are valid: Registration or filing certificate、Charter."


def test_required_documents_missing_or_expired_each_named(make_org):
    org = make_org("approved")  # a charter only
    add_document(org, "annual_inspection", expires_on=datetime.date(2026, 3, 31))
    standard = _standard(required_documents=["certificate", "charter", "annual_inspection"])
    result = _result(entry_standards.check(standard, org, today=TODAY), "documents")
    assert not result.passed
    assert result.message == (
        "Required documents are missing or expired: Registration or filing certificate (not uploaded)、"
        "Annual inspection result (expired on 2026-03-31). Upload a valid one for each."
    )


def test_replaced_documents_do_not_count(make_org):
    org = make_org("approved", documents=[])
    old = add_document(org, "charter")
    old.replaced_by = add_document(org, "other")
    old.save()
    result = _result(entry_standards.check(_standard(required_documents=["charter"]), org, today=TODAY), "documents")
    assert not result.passed
    assert "Charter (not uploaded)" in result.message


def test_unknown_document_kinds_explain_the_misconfiguration(make_org):
    org = make_org("approved")
    standard = _standard(required_documents=["charter", "passport", 7, {"kind": "x"}])
    eligibility = entry_standards.check(standard, org, today=TODAY)
    config = _result(eligibility, "documents_config")
    assert not config.passed
    assert config.message.startswith("This entry standard is misconfigured: it requires unknown kinds of document (")
    assert "passport" in config.message and "7" in config.message
    assert config.message.endswith("Ask a procurement officer to correct it.")
    # The known kinds are still checked.
    assert _result(eligibility, "documents").passed
    assert not eligibility.eligible


def test_required_documents_not_a_list_is_a_misconfiguration(make_org):
    standard = _standard(required_documents={"charter": True})
    result = _result(entry_standards.check(standard, make_org("approved"), today=TODAY), "documents")
    assert not result.passed
    assert "misconfigured" in result.message


def test_other_misconfigurations_do_not_crash(make_org):
    org = make_org("approved")
    standard = _standard(qualification="astronaut", min_qualified_staff=1, min_performance_grade="Z")
    EntryStandard.objects.filter(pk=standard.pk).update(required_track="nomad")
    standard.refresh_from_db()
    eligibility = entry_standards.check(standard, org, today=TODAY)
    for code in ("track", "qualified_staff", "performance"):
        result = _result(eligibility, code)
        assert not result.passed
        assert "misconfigured" in result.message


# --- 6. performance grade ----------------------------------------------------------------------------


@pytest.fixture
def grades():
    """A grade source for the test; removed afterwards."""
    table = {}

    def source(organization):
        return table.get(organization.pk, [])

    entry_standards.register_grade_source(source)
    entry_standards.register_grade_source(source)  # twice is once
    yield table
    entry_standards.unregister_grade_source(source)
    assert source not in entry_standards._grade_sources


def test_performance_without_graded_contracts_passes(make_org):
    standard = _standard(min_performance_grade="B")
    result = _result(entry_standards.check(standard, make_org("approved"), today=TODAY), "performance")
    assert result.passed
    assert result.message == "No graded contracts yet: the minimum performance grade B (good) applies once there are."


def test_performance_latest_grade_must_reach_the_minimum(make_org, grades):
    org = make_org("approved")
    # Unknown letters and undated grades are dropped; lower case is accepted.
    grades[org.pk] = [
        (datetime.date(2026, 1, 10), "c"),
        (datetime.date(2025, 3, 1), "A"),
        (None, "A"),
        (datetime.date(2026, 5, 1), "Q"),
    ]
    assert entry_standards.grades_for(org) == [(datetime.date(2025, 3, 1), "A"), (datetime.date(2026, 1, 10), "C")]
    failed = _result(entry_standards.check(_standard(min_performance_grade="B"), org, today=TODAY), "performance")
    assert not failed.passed
    assert failed.message == "Latest performance grade: C (pass) (2026-01-10), below the minimum B (good)."
    standard = _standard(name="及格即可", min_performance_grade="C")
    passed = _result(entry_standards.check(standard, org, today=TODAY), "performance")
    assert passed.passed
    assert passed.message == "Latest performance grade: C (pass) (2026-01-10); at least C (pass) required."


def test_performance_grade_source_is_not_consulted_when_not_needed(make_org, grades):
    org = make_org("approved")
    grades[org.pk] = [(datetime.date(2026, 1, 10), "D")]
    assert entry_standards.check(_standard(), org, today=TODAY).eligible


# --- all standards, query count ---------------------------------------------------------------------


def test_standard_sets_and_check_all(make_org):
    org = make_org("approved")
    names = [standard.name for standard in entry_standards.standard_sets()]
    assert names  # the migration creates the standard sets
    assert all(standard.is_standard for standard in entry_standards.standard_sets())
    _standard(name="不是标准集")
    results = entry_standards.check_all(org, today=TODAY)
    assert [eligibility.standard.name for eligibility in results] == names
    basic = [eligibility for eligibility in results if eligibility.standard.name == "基本准入标准"]
    assert basic and basic[0].eligible  # approved, valid charter
    only = _standard(name="指定标准")
    assert [e.standard for e in entry_standards.check_all(org, [only], today=TODAY)] == [only]
    assert entry_standards.check_all(org, [], today=TODAY) == []


def _demanding():
    return _standard(
        name="全面标准",
        required_track="filed",
        min_years_since_founding=1,
        qualification="assistant_sw",
        min_qualified_staff=2,
        required_documents=["charter", "annual_inspection", "certificate", "qualification"],
        min_performance_grade="C",
    )


def _queries(org, standards):
    with CaptureQueriesContext(connection) as context:
        entry_standards.check_all(org, standards, today=TODAY)
        entry_standards.check(standards[0], org, today=TODAY)
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_documents_or_staff(make_org, django_assert_max_num_queries):
    standards = [_demanding(), _standard(name="基本", required_documents=["charter"])]
    small = make_org("approved")
    large = make_org("approved")
    for n in range(20):
        person = StaffMember.objects.create(
            organization=large, name=f"员工{n}", qualification="assistant_sw", position=10 + n
        )
        add_document(large, "qualification", staff_member=person)
        add_document(large, "other")
    add_document(large, "annual_inspection")
    assert _queries(small, standards) == _queries(large, standards)
    # Documents and roster once for all the standards; the standard sets once; the
    # contracts' grades once (the grade source the contracts app registers, issue 15).
    with django_assert_max_num_queries(4):
        results = entry_standards.check_all(large, today=TODAY)
    assert results
    with django_assert_max_num_queries(3):  # documents and roster, the standard, the contracts' grades
        eligibility = entry_standards.check(standards[0], large, today=TODAY)
    assert _result(eligibility, "qualified_staff").passed
