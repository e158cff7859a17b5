"""The arithmetic of milestone evaluation (issue 15, 11-14): pure functions
of numbers, ``Decimal`` only, every result rounded to two places half up.

- **Satisfaction** (居民满意度): residents answer 1 to 5; the mean of every
  answer (the overall question and the contract's questions alike) is
  mapped linearly onto 0..100: ``(mean - 1) / 4 × 100`` (1 → 0, 3 → 50,
  5 → 100).
- **Milestone score** = expert weight % × expert score + resident weight %
  × satisfaction score (the weights add up to 100; the residents' weight has
  a floor by the contract's level, ``RESIDENT_WEIGHT_FLOOR``).
- **Payable** by the contract's terms: from ``full_payment_score`` up the
  whole share's amount; from the pass mark up to it the amount × score ÷
  ``full_payment_score``; below the pass mark nothing (until a rectified
  report passes).
- **Amounts**: a milestone's amount is the contract sum × its share ÷ 100,
  rounded to the fen; the last milestone takes the remainder, so the
  amounts add up to the contract sum exactly.
- **Final score**: the milestone scores weighted by their shares; the
  **grade** follows from it: A 优秀 ≥ 90, B 良好 ≥ 80, C 合格 ≥ 60, D 不合格.
- **Minimum responses**: reached at ``min_responses`` answers, or at
  ``min_response_share`` % of the links handed out (rounded up, at least
  one), whichever comes first."""

import math
from decimal import ROUND_HALF_UP, Decimal

from contracts.contracts.models import RESIDENT_WEIGHT_FLOOR

TWO_PLACES = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")
SCALE_MIN, SCALE_MAX = 1, 5
#: (lowest score, letter), best first
GRADES = ((Decimal("90"), "A"), (Decimal("80"), "B"), (Decimal("60"), "C"), (ZERO, "D"))


def _decimal(value):
    if isinstance(value, float):
        raise TypeError("scores and money are Decimal, never float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round2(value):
    return _decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def satisfaction_score(answers):
    """The 0..100 score of ``answers`` (integers 1..5), or None without any."""
    answers = list(answers)
    if not answers:
        return None
    for answer in answers:
        if not isinstance(answer, int) or isinstance(answer, bool) or not SCALE_MIN <= answer <= SCALE_MAX:
            raise ValueError(f"an answer is an integer from 1 to 5, not {answer!r}")
    # (mean - 1) / 4 × 100 = (sum - n) × 25 / n: exact until the one rounding.
    return round2(Decimal(sum(answers) - len(answers)) * 25 / Decimal(len(answers)))


def milestone_score(expert, satisfaction, *, expert_weight, resident_weight):
    expert_weight, resident_weight = _decimal(expert_weight), _decimal(resident_weight)
    if expert_weight + resident_weight != HUNDRED:
        raise ValueError("the weights add up to 100")
    return round2((_decimal(expert) * expert_weight + _decimal(satisfaction) * resident_weight) / HUNDRED)


def payable(share_amount, score, *, pass_mark, full_payment_score, overridden=False):
    """What the milestone's share pays at ``score`` (see the module docstring).
    ``overridden``: accepted below the pass mark with a reason and a second
    officer's approval; the share is then scaled like a pass (amount × score
    ÷ ``full_payment_score``) instead of paying nothing."""
    share_amount, score = _decimal(share_amount), _decimal(score)
    pass_mark, full_payment_score = _decimal(pass_mark), _decimal(full_payment_score)
    if score >= full_payment_score:
        return round2(share_amount)
    if score >= pass_mark or overridden:
        return round2(share_amount * score / full_payment_score)
    return round2(ZERO)


def cost_cap(documented_cost, cap_percent):
    """The most a subsidy milestone pays: ``cap_percent`` of its documented
    cost; None (no cap) without a cap or without a documented cost (a report
    submitted before the cost was asked for: submitting now requires it)."""
    if cap_percent is None or documented_cost is None:
        return None
    return round2(_decimal(documented_cost) * _decimal(cap_percent) / HUNDRED)


def milestone_amounts(amount, shares):
    """The amount of each share (in order) of the contract sum ``amount``;
    the last takes the remainder, so they add up to ``amount`` exactly."""
    amount = _decimal(amount)
    shares = [_decimal(share) for share in shares]
    if not shares:
        return []
    if sum(shares, ZERO) != HUNDRED:
        raise ValueError("the shares add up to 100")
    amounts = [round2(amount * share / HUNDRED) for share in shares[:-1]]
    return [*amounts, round2(amount) - sum(amounts, ZERO)]


def final_score(weighted):
    """The mean of the milestone scores weighted by their shares:
    ``weighted`` is ``[(share, score), ...]``; None when empty."""
    weighted = [(_decimal(share), _decimal(score)) for share, score in weighted]
    total_share = sum((share for share, _score in weighted), ZERO)
    if not weighted or total_share <= 0:
        return None
    return round2(sum((share * score for share, score in weighted), ZERO) / total_share)


def grade(score):
    """The letter for a final ``score`` (rounded to two places first)."""
    score = round2(score)
    return next(letter for floor, letter in GRADES if score >= floor)


def responses_needed(tokens, *, min_responses, min_response_share):
    """The fewest responses that reach the minimum, given ``tokens`` links."""
    by_share = math.ceil(_decimal(tokens) * _decimal(min_response_share) / HUNDRED)
    if tokens <= 0:
        return int(min_responses)
    return max(1, min(int(min_responses), by_share))


def minimum_reached(count, tokens, *, min_responses, min_response_share):
    """``count >= min_responses`` or ``count >= ceil(tokens × share / 100)``
    (and at least one response)."""
    return count >= 1 and count >= responses_needed(
        tokens, min_responses=min_responses, min_response_share=min_response_share
    )


def weights_refusal(level, expert_weight, resident_weight):
    """None when the weights are acceptable for a contract of ``level``,
    else a code: ``sum`` (not 100), ``negative``, ``floor`` (residents' weight
    below the floor for the level: 70 community, 50 street)."""
    expert_weight, resident_weight = _decimal(expert_weight), _decimal(resident_weight)
    if expert_weight < 0 or resident_weight < 0:
        return "negative"
    if expert_weight + resident_weight != HUNDRED:
        return "sum"
    if resident_weight < RESIDENT_WEIGHT_FLOOR[level]:
        return "floor"
    return None
