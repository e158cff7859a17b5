"""The purchase list and the statistics over the demo district (issue 17, 3
and 5): every year's list holds exactly the year's public projects, its
totals equal the ledger's and the statistics', and no person's details
reach the pages or the files.  Uses the shared seed (``seeded_demo``)."""

import csv
import io
from decimal import Decimal

import pytest

from contracts.payments import open_data as money
from marketplace.evaluation import open_data
from marketplace.models import Project
from tests.demo.test_ocds_demo import _secrets


def _text(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


@pytest.mark.django_db
def test_the_demo_district_lists_and_statistics(client, seeded_demo):
    secrets = _secrets()
    assert secrets
    for year in open_data.years():
        public = set(
            Project.objects.filter(year=year, published_at__isnull=False, state__in=Project.PUBLIC_STATES).values_list(
                "ref", flat=True
            )
        )
        html = _text(client.get(f"/purchase-list/{year}/"))
        lines = list(csv.reader(io.StringIO(_text(client.get(f"/purchase-list/{year}/download.csv")))))
        assert {line[0] for line in lines[1:-1]} == public and len(lines) == len(public) + 2
        spending = money.spending(year)["total"]
        total = lines[-1]
        assert (Decimal(total[11]), Decimal(total[12])) == (spending.contracted, spending.disbursed), year
        statistics = _text(client.get(f"/statistics/?year={year}"))
        figures = _text(client.get(f"/statistics/{year}.csv"))
        assert open_data.call_figures(year).calls == len(public)
        for secret in secrets:
            for text in (html, statistics, figures, "\n".join(",".join(line) for line in lines)):
                assert secret not in text, (year, secret)
