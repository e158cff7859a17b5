"""Two officers accepting needs of one community at the same moment cannot
both spend the last of its fund (PostgreSQL: row locks)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections

from marketplace.models import Need
from marketplace.needs import selectors, services

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_cannot_both_exceed_the_fund(make_need, officer, monkeypatch):
    first = make_need("assessed", title="甲", estimated_budget=Decimal("150000"))
    second = make_need("assessed", title="乙", estimated_budget=Decimal("150000"))
    real_fund_status = selectors.fund_status

    def slow_fund_status(*args, **kwargs):
        status = real_fund_status(*args, **kwargs)
        time.sleep(0.5)  # widen the window between reading the fund and committing
        return status

    monkeypatch.setattr(selectors, "fund_status", slow_fund_status)
    barrier = threading.Barrier(2)
    outcomes = {}

    def accept(need):
        try:
            barrier.wait()
            services.accept_need(need, by=officer, public_answer="同意")
            outcomes[need.pk] = "accepted"
        except services.NeedError:
            outcomes[need.pk] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(need,)) for need in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["accepted", "refused"]
    assert Need.objects.filter(state="accepted").count() == 1
