"""A resident answers the survey on a phone (390 px wide) with JavaScript
off: radio buttons, 44 px targets, axe-core and contrast clean
(tests/e2e/checks.py), then the thanks page; the link does not answer
twice.  Here, with the journeys, so that one browser serves the worker
that runs them (tests/e2e/conftest.py)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import transaction

from contracts.milestones.models import SurveyResponse
from contracts.milestones.services import surveys
from tests.contracts.evaluation.conftest import contract, first, submitted, worker_here, zh  # noqa: F401 - fixtures
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def link(transactional_db, request):
    import_module("contracts.migrations.0002_contract_kinds").add_kinds(apps, None)
    with transaction.atomic():  # the shares' constraint trigger checks at commit (PostgreSQL)
        request.getfixturevalue("migrated_rows")
        milestone = request.getfixturevalue("submitted")
        worker = request.getfixturevalue("worker_here")
    return milestone, surveys.make_links(milestone, by=worker, count=1)[0]


def test_a_resident_answers_on_a_phone_without_javascript(browser, live_server, audit, link):
    milestone, token = link
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale="zh-CN",
        java_script_enabled=False,
        bypass_csp=True,
    )
    try:
        page = context.new_page()
        page.goto(f"/survey/{token}/")
        assert page.locator("input[type=radio]").count() == 5 * (1 + milestone.contract.survey_questions.count())
        # the checks need scripts: a second, scripted look at the same page
        checked = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN", bypass_csp=True)
        try:
            look = checked.new_page()
            look.goto(f"/survey/{token}/")
            audit.check(look, "/survey/<token>/")
        finally:
            checked.close()
        for group in ["overall", *[f"question_{q.pk}" for q in milestone.contract.survey_questions.all()]]:
            page.locator(f"input[name={group}][value='4']").check()
        page.fill("textarea[name=comment]", "服务人员很耐心")
        with page.expect_navigation():
            page.get_by_role("button", name=zh("Send my answers")).click()
        assert page.url.endswith("/survey/thanks/")
        assert zh("Thank you") in page.content()
        page.goto(f"/survey/{token}/")
        assert zh("This survey link cannot be used") in page.content()
    finally:
        context.close()
    response = SurveyResponse.objects.get(milestone=milestone)
    assert response.overall == 4 and response.moderation == "pending"
    audit.assert_clean()
