"""Bad input to the social-organization services: credit codes, registered
capital, the roster, the legal representative's ID number and personal data
in published text.  Each is refused with its own message, and a refused save
changes nothing in the database."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from stdnum.cn import ric, uscc

from marketplace.models import AuditEvent, Membership, Notice, Organization, StaffMember
from marketplace.organizations.services import organizations as services
from tests.org_fixtures import STAFF, VALID_ID_NUMBER, credit_code, registration_data, step1_data, step2_data

PUBLISHED_EXAMPLE = "91110000600037341L"  # a real code, printed in python-stdnum's documentation
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S or V


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted on their English msgids, whatever the default language."""
    with translation.override("en"):
        yield


def snapshot(organization):
    """Everything a refused save must leave as it was."""
    return (
        Organization.objects.filter(pk=organization.pk).values().get(),
        list(StaffMember.objects.filter(organization=organization).order_by("pk").values()),
        list(Membership.objects.filter(organization=organization).order_by("pk").values()),
        sorted(organization.service_areas.values_list("pk", flat=True)),
        AuditEvent.objects.count(),
        Notice.objects.count(),
    )


def refused(call, *, field=None, contains=None):
    with pytest.raises(services.OrganizationError) as caught:
        call()
    if field is not None:
        assert caught.value.field == field
    if contains is not None:
        assert contains in caught.value.message
    return caught.value


def with_check_digit(body):
    return body + uscc.calc_check_digit(body)


# --- unified social credit code: the validator ------------------------------------------


def test_fixture_codes_and_a_published_code_are_valid():
    assert uscc.is_valid(PUBLISHED_EXAMPLE)  # checked independently with python-stdnum
    for code in (credit_code(1), credit_code(77), PUBLISHED_EXAMPLE):
        assert services.validate_credit_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        " 91110000600037341L ",
        "9111 0000 6000 3734 1L",
        "91110000-600037341-L",
        "９１１１００００６０００３７３４１Ｌ",  # full-width, as a Chinese input method types it
    ],
)
def test_spaces_hyphens_and_full_width_characters_are_normalised(typed):
    assert services.validate_credit_code(typed) == PUBLISHED_EXAMPLE


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_code_asks_for_it(raw):
    error = refused(lambda: services.validate_credit_code(raw), field="credit_code")
    assert error.message == "Enter the unified social credit code."


@pytest.mark.parametrize("length", [17, 19, 1, 36])
def test_wrong_length_is_refused_with_the_count(length):
    code = (PUBLISHED_EXAMPLE * 2)[:length]
    error = refused(lambda: services.validate_credit_code(code), field="credit_code")
    assert "18" in error.message and str(length) in error.message


@pytest.mark.parametrize("wrong", [c for c in ALPHABET if c != "L"])
def test_every_wrong_check_digit_is_refused(wrong):
    code = PUBLISHED_EXAMPLE[:17] + wrong
    assert not uscc.is_valid(code)
    error = refused(lambda: services.validate_credit_code(code), field="credit_code")
    assert "check digit" in error.message


def test_a_single_typing_error_breaks_the_check_digit():
    code = credit_code(5)
    typo = code[:10] + ("1" if code[10] != "1" else "2") + code[11:]
    error = refused(lambda: services.validate_credit_code(typo), field="credit_code")
    assert "check digit" in error.message


@pytest.mark.parametrize("code", [PUBLISHED_EXAMPLE.lower(), "91110000600037341l", credit_code(3)[:12] + "a" * 6])
def test_lower_case_letters_are_refused(code):
    error = refused(lambda: services.validate_credit_code(code), field="credit_code")
    assert "capital letters" in error.message


def test_a_valid_code_typed_in_lower_case_is_still_refused():
    # python-stdnum itself would accept it (it upper-cases); the platform does not.
    assert uscc.is_valid(PUBLISHED_EXAMPLE.lower())
    refused(lambda: services.validate_credit_code(PUBLISHED_EXAMPLE.lower()), field="credit_code")


@pytest.mark.parametrize("letter", list("IOZSV"))
@pytest.mark.parametrize("position", range(9, 19))
def test_letters_i_o_z_s_v_are_refused_in_positions_9_to_18(letter, position):
    base = credit_code(12345)
    body = base[: position - 1] + letter + base[position:17]
    candidates = [body + check for check in ALPHABET] if position < 18 else [body]
    for code in candidates:
        assert len(code) == 18
        # python-stdnum's alphabet excludes the letter: no check digit makes the code valid.
        assert not uscc.is_valid(code)
        error = refused(lambda code=code: services.validate_credit_code(code), field="credit_code")
        assert f"Character {position} is the letter {letter}" in error.message


@pytest.mark.parametrize("position", range(1, 9))
@pytest.mark.parametrize("char", ["A", "Y", "X"])
def test_letters_in_the_first_eight_characters_are_refused(position, char):
    base = PUBLISHED_EXAMPLE
    code = base[: position - 1] + char + base[position:]
    assert not uscc.is_valid(code)
    error = refused(lambda: services.validate_credit_code(code), field="credit_code")
    assert "first 8 characters" in error.message


@pytest.mark.parametrize("char", ["#", "*", "中", "\u00c9", "_"])
def test_other_characters_are_refused(char):
    code = PUBLISHED_EXAMPLE[:10] + char + PUBLISHED_EXAMPLE[11:]
    error = refused(lambda: services.validate_credit_code(code), field="credit_code")
    assert "Character 11" in error.message


@pytest.mark.parametrize("code", ["1234567\n600037341L", "9111000\n600037341L", "\n1234567600037341L"])
def test_a_line_break_inside_the_code_does_not_crash_the_check(code):
    # python-stdnum raises a bare ValueError for "1234567\n…" (its digit check
    # lets a trailing newline through); the service answers with a message.
    if code[7] == "\n":
        with pytest.raises(ValueError):
            uscc.validate(code)
    error = refused(lambda: services.validate_credit_code(code), field="credit_code")
    assert "18 characters" in error.message


# --- unified social credit code: through step 3 and the upgrade -----------------------


@pytest.fixture
def registered_draft(make_org, org_admin):
    return make_org("draft", track="registered", admin=org_admin)


BAD_CODES = {
    "length 17": credit_code(7)[:17],
    "length 19": credit_code(7) + "1",
    "check digit": credit_code(7)[:17] + ("0" if credit_code(7)[17] != "0" else "1"),
    "lower case": PUBLISHED_EXAMPLE.lower(),
    "letter I": "91110000I00037341L",
    "letter O": "91110000O00037341L",
    "letter Z": "91110000600037341Z",
    "letter S": "9111000060003734SL",
    "letter V": "911100006000V7341L",
    "not digits first": "9111A000600037341L",
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", BAD_CODES.values(), ids=BAD_CODES.keys())
def test_step3_refuses_a_bad_code_and_changes_nothing(registered_draft, org_admin, code):
    before = snapshot(registered_draft)
    data = registration_data(credit_code=code)
    refused(lambda: services.save_step(registered_draft, 3, by=org_admin, data=data), field="credit_code")
    assert snapshot(registered_draft) == before


@pytest.mark.django_db
@pytest.mark.parametrize("code", BAD_CODES.values(), ids=BAD_CODES.keys())
def test_upgrade_refuses_a_bad_code_and_changes_nothing(make_org, org_admin, code):
    organization = make_org("approved", admin=org_admin)
    before = snapshot(organization)
    data = registration_data(credit_code=code)
    refused(lambda: services.upgrade_to_registered(organization, by=org_admin, data=data), field="credit_code")
    assert snapshot(organization) == before
    assert Organization.objects.get(pk=organization.pk).track == "filed"


@pytest.mark.django_db
def test_step3_accepts_a_code_typed_full_width_with_spaces(registered_draft, org_admin):
    code = registration_data()["credit_code"]
    typed = " ".join(code[i : i + 4] for i in range(0, 18, 4)).translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}
    )
    data = registration_data(credit_code=typed)
    services.save_step(registered_draft, 3, by=org_admin, data=data)
    assert Organization.objects.get(pk=registered_draft.pk).credit_code == code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("legal_type", "prefix"), [("social_group", "51"), ("social_service", "52"), ("foundation", "53")]
)
def test_step3_refuses_a_code_of_another_kind_of_organization(registered_draft, org_admin, legal_type, prefix):
    """A company's code (91…) or another legal type's is not this organization's."""
    before = snapshot(registered_draft)
    for wrong in (PUBLISHED_EXAMPLE, *(p for p in ("51", "52", "53") if p != prefix)):
        code = wrong if len(wrong) == 18 else credit_code(3, prefix=wrong + "430104")
        data = registration_data(legal_type=legal_type, credit_code=code, registered_capital="3000000")
        error = refused(
            lambda data=data: services.save_step(registered_draft, 3, by=org_admin, data=data), field="credit_code"
        )
        assert f"begins with {prefix}" in error.message
    assert snapshot(registered_draft) == before


@pytest.mark.django_db
def test_step3_refuses_a_code_another_organization_uses(make_org, registered_draft, org_admin):
    other = make_org("approved", track="registered")
    before = snapshot(registered_draft)
    data = registration_data(credit_code=other.credit_code)
    error = refused(lambda: services.save_step(registered_draft, 3, by=org_admin, data=data), field="credit_code")
    assert error.message == "Another organization on the platform already uses this unified social credit code."
    assert snapshot(registered_draft) == before


@pytest.mark.django_db
def test_upgrade_refuses_a_code_another_organization_uses(make_org, org_admin):
    other = make_org("draft", track="registered")
    organization = make_org("approved", admin=org_admin)
    before = snapshot(organization)
    data = registration_data(credit_code=other.credit_code)
    error = refused(lambda: services.upgrade_to_registered(organization, by=org_admin, data=data))
    assert error.message == "Another organization on the platform already uses this unified social credit code."
    assert snapshot(organization) == before


@pytest.mark.django_db
def test_an_organization_may_save_its_own_code_again(registered_draft, org_admin):
    data = registration_data(credit_code=registered_draft.credit_code, registration_authority="长沙市民政局")
    saved = services.save_step(registered_draft, 3, by=org_admin, data=data)
    assert saved.credit_code == registered_draft.credit_code and saved.registration_authority == "长沙市民政局"


# --- registered capital -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("legal_type", "below", "floor"),
    [
        ("social_group", "2999.99", "3000"),
        ("social_service", "2999.99", "3000"),
        ("foundation", "1999999.99", "2000000"),
    ],
)
def test_capital_threshold_by_legal_type(legal_type, below, floor):
    error = refused(lambda: services.validate_capital(legal_type, Decimal(below)), field="registered_capital")
    assert f"¥{Decimal(floor):,.2f}" in error.message
    assert services.validate_capital(legal_type, Decimal(floor)) == Decimal(floor)
    assert services.validate_capital(legal_type, floor) == Decimal(floor).quantize(Decimal("0.01"))
    assert services.min_capital(legal_type) == Decimal(floor)


def test_a_foundation_needs_more_than_a_social_group():
    assert services.validate_capital("social_group", "50000") == Decimal("50000.00")
    refused(lambda: services.validate_capital("foundation", "50000"), field="registered_capital")


@override_settings(ORGANIZATION_MIN_CAPITAL={"social_group": "5000", "social_service": "1000", "foundation": "8000000"})
def test_thresholds_come_from_settings():
    error = refused(lambda: services.validate_capital("social_group", "4999"), field="registered_capital")
    assert "¥5,000.00" in error.message
    assert services.validate_capital("social_service", "1000") == Decimal("1000.00")
    refused(lambda: services.validate_capital("foundation", "7999999.99"), field="registered_capital")
    assert services.min_capital("foundation") == Decimal("8000000")


@pytest.mark.parametrize("amount", ["", None, "abc", "三千", "3000元整", "NaN", "sNaN", "Infinity", "-Infinity", "1e"])
def test_non_numeric_capital_is_refused(amount):
    error = refused(lambda: services.validate_capital("social_group", amount), field="registered_capital")
    assert error.message == "Enter the registered capital in yuan."


@pytest.mark.parametrize("amount", ["-1", "-3000", Decimal("-0.01"), -5000])
def test_negative_capital_is_refused(amount):
    error = refused(lambda: services.validate_capital("social_group", amount), field="registered_capital")
    assert error.message == "The registered capital cannot be negative."


def test_capital_larger_than_the_column_is_refused():
    refused(lambda: services.validate_capital("social_group", "1e12"), field="registered_capital")
    refused(lambda: services.validate_capital("social_group", "10000000000"), field="registered_capital")
    assert services.validate_capital("social_group", "9999999999.99") == Decimal("9999999999.99")


@pytest.mark.parametrize(
    ("typed", "value"), [("3,000", "3000.00"), ("¥30,000.50", "30000.50"), ("５０００", "5000.00")]
)
def test_capital_as_people_type_it(typed, value):
    assert services.validate_capital("social_group", typed) == Decimal(value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("legal_type", "capital", "message"),
    [
        ("social_group", "2999", "at least"),
        ("foundation", "1999999", "at least"),
        ("social_service", "abc", "Enter the registered capital"),
        ("social_service", "-3000", "cannot be negative"),
    ],
)
def test_step3_refuses_bad_capital_and_changes_nothing(registered_draft, org_admin, legal_type, capital, message):
    before = snapshot(registered_draft)
    data = registration_data(legal_type=legal_type, registered_capital=capital)
    refused(
        lambda: services.save_step(registered_draft, 3, by=org_admin, data=data),
        field="registered_capital",
        contains=message,
    )
    assert snapshot(registered_draft) == before


@pytest.mark.django_db
@override_settings(ORGANIZATION_MIN_CAPITAL={"social_group": "100", "social_service": "100", "foundation": "100"})
def test_step3_follows_a_changed_threshold(registered_draft, org_admin):
    data = registration_data(legal_type="foundation", registered_capital="150")
    saved = services.save_step(registered_draft, 3, by=org_admin, data=data)
    assert saved.registered_capital == Decimal("150.00") and saved.legal_type == "foundation"


# --- the roster ---------------------------------------------------------------------------


def test_five_names_are_enough():
    assert services.clean_staff_names("\n".join(STAFF)) == STAFF
    assert services.clean_staff_names(STAFF) == STAFF


def test_four_names_are_refused():
    error = refused(lambda: services.clean_staff_names(STAFF[:4]), field="staff")
    assert "at least 5" in error.message and "4 given" in error.message


@pytest.mark.parametrize(
    "typed",
    [
        "张三\n李四\n王五\n赵六\n张三",  # a duplicate
        "张三\n李四\n\n王五\n   \n赵六\n",  # blank lines
        "张三\n 李四 \n李四\n王五\n赵六",  # the same name with spaces around it
        "张三\r\n李四\r\n王五\r\n赵六\r\n\r\n",
    ],
)
def test_duplicates_and_blank_lines_do_not_count(typed):
    error = refused(lambda: services.clean_staff_names(typed), field="staff")
    assert "4 given" in error.message


def test_blanks_and_duplicates_are_dropped_from_a_valid_roster():
    assert services.clean_staff_names(["张三", "", None, "李四", "张三", "王五", "赵六", "钱七"]) == STAFF


@pytest.mark.parametrize(
    "name",
    ["张三 13800138000", "李四138-0013-8000", "王五 0731-88886666", f"赵六{VALID_ID_NUMBER}", "钱七 +86 138 0013 8000"],
)
def test_names_with_a_phone_or_id_number_are_refused(name):
    error = refused(lambda: services.clean_staff_names([*STAFF, name]), field="staff")
    assert error.message == "Enter names only: no phone or ID numbers."


def test_a_name_longer_than_fifty_characters_is_refused():
    refused(lambda: services.clean_staff_names([*STAFF, "长" * 51]), field="staff")
    assert len(services.clean_staff_names([*STAFF[:4], "长" * 50])) == 5


@override_settings(ORGANIZATION_MIN_MEMBERS=7)
def test_the_minimum_comes_from_settings():
    error = refused(lambda: services.clean_staff_names(STAFF), field="staff")
    assert "at least 7" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "staff", ["\n".join(STAFF[:4]), "张三\n张三\n李四\n王五\n赵六", "张三\n李四\n王五\n赵六\n钱七 13900139000"]
)
def test_step2_refuses_a_bad_roster_and_changes_nothing(make_org, org_admin, staff):
    organization = make_org("draft", admin=org_admin)
    before = snapshot(organization)
    refused(lambda: services.save_step(organization, 2, by=org_admin, data=step2_data(staff=staff)), field="staff")
    assert snapshot(organization) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contact_name": ""}, "contact_name"),
        ({"contact_name": "张" * 51}, "contact_name"),
        ({"contact_phone": "", "contact_email": ""}, "contact_phone"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "138001380001"}, "contact_phone"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"office": "palace"}, "office"),
        ({"office": "own", "office_address": ""}, "office_address"),
        ({"office": "own", "office_address": "路" * 201}, "office_address"),
    ],
)
def test_step2_refuses_bad_contact_data_and_changes_nothing(make_org, org_admin, overrides, field):
    organization = make_org("draft", admin=org_admin)
    before = snapshot(organization)
    refused(lambda: services.save_step(organization, 2, by=org_admin, data=step2_data(**overrides)), field=field)
    assert snapshot(organization) == before


@pytest.mark.django_db
def test_step2_normalises_a_phone_typed_with_spaces(make_org, org_admin):
    organization = make_org("draft", admin=org_admin)
    saved = services.save_step(organization, 2, by=org_admin, data=step2_data(contact_phone="138 0013 8001"))
    assert saved.contact_phone == "13800138001"


# --- the legal representative's ID number ------------------------------------------------


def test_a_valid_id_number_is_accepted():
    assert ric.is_valid(VALID_ID_NUMBER)
    assert services.validate_id_number(VALID_ID_NUMBER) == VALID_ID_NUMBER
    assert services.validate_id_number(VALID_ID_NUMBER.lower()) == VALID_ID_NUMBER
    assert services.validate_id_number(" 110105 19491231 002X ") == VALID_ID_NUMBER


def _id_with_check(body):
    return body + ric.calc_check_digit(body + "0")


def _future_id_number():
    born = timezone.localdate() + datetime.timedelta(days=400)
    return _id_with_check(f"110105{born:%Y%m%d}002")


@pytest.mark.parametrize(
    "number",
    [
        "",
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19 characters
        "11010519491331002X",  # month 13
        _id_with_check("11010519490230002"),  # 30 February
        _id_with_check("99999919491231002"),  # no such region
        "A1010519491231002X",
        "11010519491231002Y",
    ],
)
def test_invalid_id_numbers_are_refused(number):
    refused(lambda: services.validate_id_number(number), field="legal_representative_id_number")


def test_an_id_number_born_in_the_future_is_refused():
    number = _future_id_number()
    refused(lambda: services.validate_id_number(number), field="legal_representative_id_number")


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["110105194912310021", "11010519491231002", _id_with_check("99999919491231002")])
def test_step3_refuses_a_bad_id_number_and_changes_nothing(registered_draft, org_admin, number):
    before = snapshot(registered_draft)
    data = registration_data(legal_representative_id_number=number)
    refused(
        lambda: services.save_step(registered_draft, 3, by=org_admin, data=data),
        field="legal_representative_id_number",
    )
    assert snapshot(registered_draft) == before


@pytest.mark.django_db
def test_step3_refuses_an_id_number_in_the_representatives_name(registered_draft, org_admin):
    before = snapshot(registered_draft)
    data = registration_data(legal_representative=f"张三 {VALID_ID_NUMBER}")
    refused(lambda: services.save_step(registered_draft, 3, by=org_admin, data=data), field="legal_representative")
    assert snapshot(registered_draft) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"registration_authority": ""}, "registration_authority"),
        ({"registration_authority": "局" * 101}, "registration_authority"),
        ({"legal_type": "company"}, "legal_type"),
        ({"legal_representative": " "}, "legal_representative"),
        ({"founded_on": None}, "founded_on"),
        ({"founded_on": datetime.date(2999, 1, 1)}, "founded_on"),
    ],
)
def test_step3_refuses_other_bad_registration_data(registered_draft, org_admin, overrides, field):
    before = snapshot(registered_draft)
    data = registration_data(**overrides)
    refused(lambda: services.save_step(registered_draft, 3, by=org_admin, data=data), field=field)
    assert snapshot(registered_draft) == before


# --- personal data in published text ------------------------------------------------------


PERSONAL = {
    "mobile": "联系电话13800138000",
    "mobile with spaces": "请拨 138 0013 8000",
    "landline": "电话0731-88886666",
    "id number": f"负责人身份证{VALID_ID_NUMBER}",
}


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("text", PERSONAL.values(), ids=PERSONAL.keys())
def test_start_refuses_personal_data_in_published_text(org_admin, community, field, text):
    data = step1_data(community, **{field: f"阳光助老 {text}"})
    error = refused(lambda: services.start_organization(by=org_admin, data=data), field=field)
    assert "personal data is never published" in error.message
    assert not Organization.objects.exists() and not Membership.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="organization.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("text", PERSONAL.values(), ids=PERSONAL.keys())
def test_step1_refuses_personal_data_in_published_text(make_org, org_admin, community, field, text):
    organization = make_org("draft", admin=org_admin)
    before = snapshot(organization)
    data = step1_data(community, **{field: f"阳光助老 {text}"})
    refused(lambda: services.save_step(organization, 1, by=org_admin, data=data), field=field)
    assert snapshot(organization) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "名" * 101}, "name"),
        ({"track": "secret"}, "track"),
        ({"kind": "business"}, "kind"),
        ({"community": None}, "community"),
    ],
)
def test_step1_refuses_other_bad_input(make_org, org_admin, community, overrides, field):
    organization = make_org("draft", admin=org_admin)
    before = snapshot(organization)
    data = {**step1_data(community), **overrides}
    refused(lambda: services.save_step(organization, 1, by=org_admin, data=data), field=field)
    assert snapshot(organization) == before
