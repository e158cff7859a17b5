"""The evaluation domain's notifications (evaluation/messages.py) keep
their wording in both languages, the branches of a message included."""

from decimal import Decimal

import pytest
from django.utils import translation

from marketplace.core import notifications
from marketplace.evaluation import messages


def text(language, message, **values):
    with translation.override(language):
        return translation.gettext(message) % values


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("replaced", [True, False])
def test_a_withdrawal_says_whether_a_replacement_was_drawn(language, replaced):
    context = {"ref": "SFQ-2026-0003", "title": "t", "name": "王评审", "replaced": replaced}
    subject, body = notifications.render(messages.MEMBER_WITHDREW, context, language)
    follow_up = "A replacement was drawn." if replaced else "Nobody is left to draw: appoint a member by name."
    assert subject == text(language, "%(ref)s: a committee member withdrew", ref="SFQ-2026-0003")
    assert body == text(
        language,
        "%(name)s declared a relationship with a bidder and withdrew. %(next)s",
        name="王评审",
        next=text(language, follow_up),
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_winner_reads_the_price_as_before(language):
    price = Decimal("123456.50")
    context = {"ref": "SFQ-2026-0003", "title": "助老 & 助残", "price": str(price), "deadline": "2026-05-01 09:00"}
    subject, body = notifications.render(messages.BID_WON, context, language)
    wording = (
        "Your organization was awarded “%(title)s” at %(price)s CNY. The award notice is in your "
        "workspace. The contract can be made once the challenge period ends (%(deadline)s) and no "
        "challenge is open."
    )
    assert subject == text(language, "%(ref)s: your bid won (中标/成交通知书)", ref="SFQ-2026-0003")
    assert body == text(language, wording, **context)
    assert "123456.50" in body and "助老 & 助残" in body
