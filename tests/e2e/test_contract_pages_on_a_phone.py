"""The contract pages on a phone (390 px wide), from the walk of issue 15:

- the officer's drafting form lists every broken rule at once at the top
  of the form (shares, weights, rubric), each linking to its place, keeps
  what was typed, and drafts once corrected;
- the drafter sees why the contract page offers no signing form;
- the organization's report form and its confirmation tick are 44 px
  targets (tests/e2e/checks.py measures check boxes with their labels).

Every page visited passes axe-core and the control checks."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.db import transaction

from contracts.contracts.models import Contract
from contracts.contracts.services import send_for_signature
from tests.contract_fixtures import ContractFactory
from tests.contracts.evaluation.conftest import zh
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def phone(browser, live_server):
    return browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN", bypass_csp=True)


@pytest.fixture
def award(transactional_db, request):
    import_module("contracts.migrations.0002_contract_kinds").add_kinds(apps, None)
    import_module("contracts.migrations.0003_contracts_domain").add_clauses(apps, None)
    with transaction.atomic():
        request.getfixturevalue("migrated_rows")
        return request.getfixturevalue("award_over")


def test_the_draft_form_lists_every_problem_at_once_and_keeps_the_input(
    browser, live_server, sign_in, audit, award, officer
):
    context = sign_in(phone(browser, live_server), officer)
    try:
        page = context.new_page()
        page.goto(f"/work/contracts/new/{award.project.ref}/")
        page.fill("#id_milestones-0-share", "10")  # the shares add up to 70
        page.fill("#id_criteria-0-max_score", "10")  # the rubric to 80
        page.fill("#id_contract-expert_weight", "60")
        page.fill("#id_contract-resident_weight", "40")  # below the community floor of 70
        with page.expect_navigation():
            page.locator("form.contract-form button[type=submit]").click()
        summary = page.locator("#error-summary")
        text = summary.inner_text()
        assert re.search(r"3\s*处", text), text
        assert zh("The expert and resident weights must add up to 100.") not in text
        assert "70%" in text  # the shares' total
        assert summary.locator("a[href='#section-milestones']").count() == 1
        assert summary.locator("a[href='#section-criteria']").count() == 1
        assert summary.locator("a[href='#field-contract-resident_weight']").count() == 1
        # nothing typed is lost, nothing was drafted
        assert page.input_value("#id_milestones-0-share") == "10"
        assert page.input_value("#id_contract-resident_weight") == "40"
        assert not Contract.objects.exists()
        audit.check(page, "/work/contracts/new/<ref>/ (errors)")
        page.fill("#id_milestones-0-share", "40")
        page.fill("#id_criteria-0-max_score", "30")
        page.fill("#id_contract-expert_weight", "30")
        page.fill("#id_contract-resident_weight", "70")
        with page.expect_navigation():
            page.locator("form.contract-form button[type=submit]").click()
        contract = Contract.objects.get()
        assert page.url.endswith(f"/work/contracts/{contract.number}/")
    finally:
        context.close()
    audit.assert_clean()


def test_the_drafter_is_told_who_signs(browser, live_server, sign_in, audit, award, officer):
    with transaction.atomic():
        contract = send_for_signature(ContractFactory(award=award, drafted_by=officer), by=officer)
    context = sign_in(phone(browser, live_server), officer)
    try:
        page = context.new_page()
        page.goto(f"/work/contracts/{contract.number}/")
        signing = page.locator("#signing")
        assert signing.locator("form").filter(has=page.locator("input[type=password]")).count() == 0
        assert zh("The officer who drafted the contract cannot sign it for the purchaser: another officer signs.") in (
            signing.inner_text()
        )
        audit.check(page, "/work/contracts/<number>/ (drafter)")
    finally:
        context.close()
    audit.assert_clean()


def test_the_report_tick_is_a_large_target(browser, live_server, sign_in, audit, award):
    with transaction.atomic():
        active = ContractFactory(award=award, active=True)
    milestone = active.milestones.get(number=1)
    context = sign_in(phone(browser, live_server), award.org_admin)
    try:
        page = context.new_page()
        page.goto(f"/org/{active.organization_id}/milestones/{milestone.pk}/report/")
        assert page.locator("input[type=checkbox][name=confirm]").count() == 1
        audit.check(page, "/org/<id>/milestones/<pk>/report/")
    finally:
        context.close()
    audit.assert_clean()
