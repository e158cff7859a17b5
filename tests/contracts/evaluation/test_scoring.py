"""The arithmetic of milestone evaluation (contracts/milestones/scoring.py),
table-driven: satisfaction mapping, weights, the payment scaling table and
its boundaries, rounding, the remainder, grades and the minimum responses."""

from decimal import Decimal as D  # noqa: N817 - the tables read better

import pytest

from contracts.milestones import scoring


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([1], D("0.00")),
        ([5], D("100.00")),
        ([3], D("50.00")),
        ([4, 5], D("87.50")),
        ([1, 2], D("12.50")),
        ([5, 5, 4], D("91.67")),  # mean 4.666… → 91.666… → 91.67
        ([4, 4, 5], D("83.33")),  # 83.333… → 83.33
        ([1, 1, 2], D("8.33")),  # 8.333…
        ([5, 4, 4, 4, 4, 4, 4, 4], D("78.13")),  # 78.125 → half up → 78.13
        ([], None),
    ],
)
def test_satisfaction_maps_the_mean_from_1_to_5_onto_0_to_100(answers, expected):
    assert scoring.satisfaction_score(answers) == expected


@pytest.mark.parametrize("bad", [0, 6, 2.5, "3", True])
def test_satisfaction_refuses_answers_outside_the_scale(bad):
    with pytest.raises((ValueError, TypeError)):
        scoring.satisfaction_score([3, bad])


@pytest.mark.parametrize(
    ("expert", "satisfaction", "expert_weight", "resident_weight", "expected"),
    [
        (D("80"), D("90"), D("30"), D("70"), D("87.00")),
        (D("100"), D("0"), D("30"), D("70"), D("30.00")),
        (D("0"), D("100"), D("50"), D("50"), D("50.00")),
        (D("85.5"), D("91.67"), D("30"), D("70"), D("89.82")),  # 25.65 + 64.169 = 89.819
        (D("77.77"), D("66.66"), D("25"), D("75"), D("69.44")),  # 19.4425 + 49.995 = 69.4375 → 69.44
        (D("60"), D("60"), D("0"), D("100"), D("60.00")),
    ],
)
def test_milestone_score_weights_experts_and_residents(expert, satisfaction, expert_weight, resident_weight, expected):
    assert (
        scoring.milestone_score(expert, satisfaction, expert_weight=expert_weight, resident_weight=resident_weight)
        == expected
    )


def test_weights_must_add_up_to_100():
    with pytest.raises(ValueError):
        scoring.milestone_score(D("80"), D("80"), expert_weight=D("40"), resident_weight=D("70"))


SHARE = D("40000.00")


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (D("100"), D("40000.00")),
        (D("80"), D("40000.00")),  # the full share from 80
        (D("80.00"), D("40000.00")),
        (D("79.99"), D("39995.00")),  # 40000 × 79.99 / 80
        (D("70"), D("35000.00")),
        (D("60"), D("30000.00")),  # the pass mark: scaled
        (D("60.00"), D("30000.00")),
        (D("59.99"), D("0.00")),  # below the pass mark: nothing
        (D("0"), D("0.00")),
        (D("66.67"), D("33335.00")),
    ],
)
def test_the_default_payment_scaling_table(score, expected):
    assert scoring.payable(SHARE, score, pass_mark=D("60"), full_payment_score=D("80")) == expected


@pytest.mark.parametrize(
    ("share_amount", "score", "expected"),
    [
        (D("333.33"), D("61.11"), D("254.62")),  # 333.33 × 61.11 / 80 = 254.6205… → 254.62
        (D("0.03"), D("70"), D("0.03")),  # 0.02625 → 0.03 (half up)
        (D("100.01"), D("79.99"), D("100.00")),  # 99.9975… → 100.00
    ],
)
def test_payable_rounds_to_the_fen_half_up(share_amount, score, expected):
    assert scoring.payable(share_amount, score, pass_mark=D("60"), full_payment_score=D("80")) == expected


def test_other_contract_terms_move_the_boundaries():
    terms = {"pass_mark": D("70"), "full_payment_score": D("90")}
    assert scoring.payable(D("900"), D("69.99"), **terms) == D("0.00")
    assert scoring.payable(D("900"), D("70"), **terms) == D("700.00")
    assert scoring.payable(D("900"), D("90"), **terms) == D("900.00")


def test_an_approved_override_scales_below_the_pass_mark_instead_of_paying_nothing():
    terms = {"pass_mark": D("60"), "full_payment_score": D("80")}
    assert scoring.payable(SHARE, D("50"), **terms) == D("0.00")
    assert scoring.payable(SHARE, D("50"), overridden=True, **terms) == D("25000.00")


@pytest.mark.parametrize(
    ("amount", "shares", "expected"),
    [
        (D("100000.00"), [D("40"), D("60")], [D("40000.00"), D("60000.00")]),
        (D("100000.00"), [D("33.33"), D("33.33"), D("33.34")], [D("33330.00"), D("33330.00"), D("33340.00")]),
        (D("100.00"), [D("33.33"), D("33.33"), D("33.34")], [D("33.33"), D("33.33"), D("33.34")]),
        (D("10.00"), [D("33.33"), D("33.33"), D("33.34")], [D("3.33"), D("3.33"), D("3.34")]),
        (D("0.05"), [D("50"), D("50")], [D("0.03"), D("0.02")]),  # 0.025 → 0.03; the last takes the rest
        (D("99999.99"), [D("12.5"), D("87.5")], [D("12500.00"), D("87499.99")]),
        (D("12345.67"), [D("100")], [D("12345.67")]),
    ],
)
def test_milestone_amounts_sum_exactly_to_the_contract_sum(amount, shares, expected):
    amounts = scoring.milestone_amounts(amount, shares)
    assert amounts == expected
    assert sum(amounts) == amount


def test_shares_must_add_up_to_100():
    with pytest.raises(ValueError):
        scoring.milestone_amounts(D("100"), [D("40"), D("50")])


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (D("100"), "A"),
        (D("90"), "A"),
        (D("90.00"), "A"),
        (D("89.99"), "B"),
        (D("89.995"), "A"),  # rounded to two places first: 90.00
        (D("80"), "B"),
        (D("79.99"), "C"),
        (D("60"), "C"),
        (D("59.99"), "D"),
        (D("0"), "D"),
    ],
)
def test_grade_boundaries(score, grade):
    assert scoring.grade(score) == grade


@pytest.mark.parametrize(
    ("weighted", "expected"),
    [
        ([(D("40"), D("90")), (D("60"), D("80"))], D("84.00")),
        ([(D("100"), D("59.99"))], D("59.99")),
        ([(D("33.33"), D("70")), (D("33.33"), D("80")), (D("33.34"), D("91"))], D("80.33")),  # 8033.44 / 100
        ([], None),
    ],
)
def test_final_score_weights_milestones_by_share(weighted, expected):
    assert scoring.final_score(weighted) == expected


@pytest.mark.parametrize(
    ("count", "tokens", "reached"),
    [
        (20, 1000, True),  # the fixed minimum
        (19, 1000, False),
        (15, 50, True),  # 30% of 50 links = 15
        (14, 50, False),
        (10, 31, True),  # ceil(9.3) = 10
        (9, 31, False),
        (1, 1, True),  # ceil(0.3) = 1
        (0, 0, False),  # no link, no answer: never
        (0, 3, False),  # at least one answer
        (20, 0, True),
    ],
)
def test_minimum_responses_either_rule(count, tokens, reached):
    assert scoring.minimum_reached(count, tokens, min_responses=20, min_response_share=D("30")) is reached


@pytest.mark.parametrize(
    ("level", "expert", "resident", "refusal"),
    [
        ("community", D("30"), D("70"), None),
        ("community", D("30.01"), D("69.99"), "floor"),
        ("community", D("0"), D("100"), None),
        ("street", D("50"), D("50"), None),
        ("street", D("50.01"), D("49.99"), "floor"),
        ("street", D("40"), D("50"), "sum"),
        ("community", D("-10"), D("110"), "negative"),
    ],
)
def test_weight_floors(level, expert, resident, refusal):
    assert scoring.weights_refusal(level, expert, resident) == refusal


def test_floats_are_refused():
    with pytest.raises(TypeError):
        scoring.payable(40000.0, D("80"), pass_mark=D("60"), full_payment_score=D("80"))
