"""Issue 12, finding 7: a procurement officer could create a purchase method
with a 0-day bidding period and 1 valid bid, alone.

Now every method has floors (the database refuses a row below them, the form
explains why), and a change to a floor, or putting a method into use, waits
for a second officer's approval; the proposer cannot approve it."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from marketplace.models import AuditEvent, PurchaseMethod, PurchaseMethodChange
from marketplace.procurement.services import method_changes
from tests.project_fixtures import method

ADD = "/admin/purchase-methods/new/"


def _form(**overrides):
    data = {
        "code": "quick",
        "name": "快速采购",
        "name_en": "Quick",
        "description": "",
        "position": "9",
        "min_period": "0",
        "period_unit": "calendar",
        "min_valid_bids": "1",
        "committee_size": "3",
        "addendum_min_days": "0",
        "addendum_unit": "calendar",
        "budget_cap": "",
        "intention_days": "30",
        "active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _edit_form(client, target):
    page = client.get(f"/admin/purchase-methods/edit/{target.pk}/")
    assert page.status_code == 200
    form = page.context["form"]
    post = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    for flag in ("named_organization", "justification_required", "one_bid_per_organization", "active"):
        if not post.get(flag):
            post.pop(flag, None)
    return post


@pytest.mark.django_db
def test_an_officer_cannot_create_a_zero_day_one_bid_method(client, site, officer):
    method()  # the seeded methods exist
    client.force_login(officer)
    response = client.post(ADD, _form())
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "min_period" in errors and "min_valid_bids" in errors
    assert not PurchaseMethod.objects.filter(code="quick").exists()


@pytest.mark.django_db
def test_a_named_method_keeps_the_commission_floor(client, site, officer):
    method()
    client.force_login(officer)
    response = client.post(ADD, _form(named_organization="on", min_period="1", period_unit="working"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "min_period" in errors and "justification_required" in errors
    assert not PurchaseMethod.objects.filter(code="quick").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, values",
    [
        ("new_method", {"min_period": 0, "min_valid_bids": 1}),
        ("new_method", {"min_period": 15, "min_valid_bids": 1}),
        ("new_named", {"min_period": 1, "named_organization": True, "justification_required": True}),
        ("new_named", {"min_period": 5, "named_organization": True, "justification_required": False}),
        ("public_tender_copy", {"min_period": 5, "min_valid_bids": 3}),
    ],
)
def test_the_database_refuses_a_method_below_the_floors(db, code, values):
    row = {"code": code, "name": "x", "period_unit": "working", "min_valid_bids": 3, "committee_size": 3, **values}
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseMethod.objects.create(**row)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, values",
    [
        ("public_tender", {"min_period": 19}),
        ("public_tender", {"min_valid_bids": 2}),
        ("public_tender", {"period_unit": "working"}),
        ("consultation", {"min_valid_bids": 1}),
        ("consultation", {"min_period": 9}),
        ("single_source", {"min_period": 4}),
        ("commission", {"min_period": 2}),
        ("commission", {"justification_required": False}),
        ("venture", {"min_valid_bids": 1}),
    ],
)
def test_the_database_refuses_lowering_a_seeded_floor(code, values):
    method()
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseMethod.objects.filter(code=code).update(**values)


@pytest.mark.django_db
def test_a_floor_change_needs_a_second_officer(client, site, officer, second_officer):
    tender = method("public_tender")
    client.force_login(officer)
    post = _edit_form(client, tender)
    post["min_period"] = "25"
    post["description"] = "说明已更新"
    response = client.post(f"/admin/purchase-methods/edit/{tender.pk}/", post)
    assert response.status_code == 302
    tender.refresh_from_db()
    # The description changed at once; the floor waits.
    assert tender.description == "说明已更新" and tender.min_period == 20
    change = PurchaseMethodChange.objects.get(method=tender)
    assert change.state == "pending" and change.proposed == {"min_period": 25}
    assert AuditEvent.objects.filter(action="purchasemethod.change_proposed", actor=officer).exists()
    # The proposer tries to approve their own change: refused, nothing changes.
    response = client.post(f"/admin/purchase-method-changes/{change.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    tender.refresh_from_db()
    change.refresh_from_db()
    assert tender.min_period == 20 and change.state == "pending"
    with pytest.raises(method_changes.MethodChangeError):
        method_changes.approve_change(change, by=officer)
    # A second proposal while one is pending is refused on the form.
    post["min_period"] = "30"
    response = client.post(f"/admin/purchase-methods/edit/{tender.pk}/", post)
    assert response.status_code == 200 and PurchaseMethodChange.objects.count() == 1
    # The second officer sees it and approves: now it takes effect.
    client.force_login(second_officer)
    listing = client.get("/admin/purchase-method-changes/")
    assert listing.status_code == 200 and "公开招标" in listing.content.decode()
    response = client.post(f"/admin/purchase-method-changes/{change.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    tender.refresh_from_db()
    change.refresh_from_db()
    assert tender.min_period == 25 and change.state == "approved" and change.decided_by == second_officer
    event = AuditEvent.objects.get(action="purchasemethod.change_approved")
    assert event.actor == second_officer and event.details["proposed_by"] == officer.pk


@pytest.mark.django_db
def test_a_new_method_is_out_of_use_until_approved(client, site, officer, second_officer):
    method()
    client.force_login(officer)
    response = client.post(ADD, _form(min_period="12", min_valid_bids="3"))
    assert response.status_code == 302
    created = PurchaseMethod.objects.get(code="quick")
    assert created.active is False
    change = PurchaseMethodChange.objects.get(method=created)
    assert change.proposed == {"active": True}
    method_changes.reject_change(change, by=second_officer, reason="不需要")
    created.refresh_from_db()
    assert created.active is False
    assert AuditEvent.objects.filter(action="purchasemethod.change_rejected", actor=second_officer).exists()


@pytest.mark.django_db
def test_the_database_refuses_a_self_approved_change(officer):
    change = PurchaseMethodChange.objects.create(
        method=method(), proposed={"min_period": 25}, previous={"min_period": 20}, proposed_by=officer
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseMethodChange.objects.filter(pk=change.pk).update(state="approved", decided_by=officer)


@pytest.mark.django_db
def test_a_proposal_below_a_floor_is_refused(officer):
    with pytest.raises(method_changes.MethodChangeError):
        method_changes.propose_change(method("public_tender"), values={"min_period": 3}, by=officer)
    assert not PurchaseMethodChange.objects.exists()


# --- the budget cap, one project per organization and the code are floors too (security review) ----------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value, kept",
    [
        ("budget_cap", "", Decimal("100000.00")),
        ("budget_cap", "99999999.00", Decimal("100000.00")),
        ("one_bid_per_organization", None, True),
        ("code", "venture_open", "venture"),
    ],
)
def test_one_officer_cannot_loosen_the_venture_method_alone(client, site, officer, second_officer, field, value, kept):
    venture = method("venture")
    assert venture.budget_cap == Decimal("100000.00") and venture.one_bid_per_organization
    client.force_login(officer)
    post = _edit_form(client, venture)
    if value is None:
        post.pop(field, None)  # an unticked box
    else:
        post[field] = value
    response = client.post(f"/admin/purchase-methods/edit/{venture.pk}/", post)
    assert response.status_code == 302
    venture.refresh_from_db()
    assert getattr(venture, field) == kept
    change = PurchaseMethodChange.objects.get(method=venture, state="pending")
    assert list(change.proposed) == [field]
    # The proposer cannot approve it; a second officer can.
    with pytest.raises(method_changes.MethodChangeError):
        method_changes.approve_change(change, by=officer)
    method_changes.approve_change(change, by=second_officer)
    venture.refresh_from_db()
    expected = {"": None, None: False}.get(value, value)
    if field == "budget_cap" and expected:
        expected = Decimal(expected)
    assert getattr(venture, field) == expected


@pytest.mark.django_db
def test_the_approver_sees_every_rule_of_a_new_method(client, site, officer, second_officer):
    method()
    client.force_login(officer)
    response = client.post(
        ADD, _form(min_period="12", min_valid_bids="3", budget_cap="", committee_size="5", addendum_min_days="3")
    )
    assert response.status_code == 302
    created = PurchaseMethod.objects.get(code="quick")
    change = PurchaseMethodChange.objects.get(method=created)
    assert change.previous["budget_cap"] is None and change.previous["one_bid_per_organization"] is False
    client.force_login(second_officer)
    page = client.get("/admin/purchase-method-changes/")
    pending = page.context["pending"]
    assert len(pending) == 1 and pending[0]["activates"]
    html = page.content.decode()
    with translation.override("zh-hans"):  # the admin's language
        rows = {row["label"]: row for row in pending[0]["rows"]}
        labels = [str(PurchaseMethod._meta.get_field(name).verbose_name) for name in method_changes.FLOOR_FIELDS]
        in_use = str(PurchaseMethod._meta.get_field("active").verbose_name)
        cap = str(PurchaseMethod._meta.get_field("budget_cap").verbose_name)
    for text in labels:
        assert text in rows and text in html, text
    assert rows[in_use]["changed"] and not rows[cap]["changed"]
    assert rows[cap]["after"] == "—"
    for shown in ("快速采购", "12", "quick"):
        assert shown in html, shown


@pytest.mark.django_db
def test_an_approval_applies_only_the_values_the_approver_saw(officer, second_officer):
    venture = method("venture")
    change = method_changes.propose_change(venture, values={"min_period": 20}, by=officer)
    # The row changes behind the proposal's back (not through the admin): the approval is refused.
    PurchaseMethod.objects.filter(pk=venture.pk).update(budget_cap=None)
    with pytest.raises(method_changes.MethodChangeError):
        method_changes.approve_change(change, by=second_officer)
    venture.refresh_from_db()
    assert venture.min_period != 20
    change.refresh_from_db()
    assert change.state == "pending"


def test_every_rule_that_can_loosen_a_method_is_governed():
    """A new field on PurchaseMethod must be sorted into governed or not on purpose."""
    not_governed = {"id", "name", "name_en", "description", "position", "active"}
    fields = {field.name for field in PurchaseMethod._meta.concrete_fields}
    assert fields - not_governed == set(method_changes.FLOOR_FIELDS)


@pytest.mark.django_db
def test_a_code_already_taken_is_refused_when_proposed(officer):
    with pytest.raises(method_changes.MethodChangeError):
        method_changes.propose_change(method("venture"), values={"code": "public_tender"}, by=officer)
    assert not PurchaseMethodChange.objects.exists()
