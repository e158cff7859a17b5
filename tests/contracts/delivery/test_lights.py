"""Traffic lights (亮灯): green on track, yellow within N working days,
red overdue, counted by the Chinese calendar.  The table crosses National
Day 2026 (1 to 7 October off; Saturday 10 October a working day, 调休):
nine calendar days before the holiday's end are only three working days."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from contracts.milestones import lights
from contracts.milestones.lights import GREEN, RED, YELLOW

D = datetime.date
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))

LIGHTS = [
    # (deadline, today, colour, working days left)
    (D(2026, 10, 9), D(2026, 9, 29), YELLOW, 3),  # 30 Sep, 8 and 9 Oct: the holiday does not count
    (D(2026, 10, 9), D(2026, 9, 28), GREEN, 4),
    (D(2026, 10, 12), D(2026, 9, 29), GREEN, 5),  # Saturday 10 Oct is a working day (调休)
    (D(2026, 10, 8), D(2026, 10, 1), YELLOW, 1),  # in the holiday: one working day left
    (D(2026, 10, 12), D(2026, 10, 7), GREEN, 4),
    (D(2026, 10, 12), D(2026, 10, 8), YELLOW, 3),
    (D(2026, 10, 9), D(2026, 10, 9), YELLOW, 0),  # due today
    (D(2026, 10, 9), D(2026, 10, 10), RED, -1),  # the day after, a working Saturday
    (D(2026, 9, 30), D(2026, 10, 5), RED, 0),  # overdue through the holiday: no working day has passed
    (D(2026, 9, 30), D(2026, 10, 8), RED, -1),
    (D(2026, 9, 30), D(2026, 10, 12), RED, -4),
]


@pytest.mark.parametrize(("deadline", "today", "colour", "days"), LIGHTS)
def test_light_across_national_day(deadline, today, colour, days, settings):
    settings.CONTRACT_LIGHT_YELLOW_DAYS = 3
    light = lights.make_light(lights.REPORT, deadline, today)
    assert (light.colour, light.days_left) == (colour, days)


@pytest.mark.parametrize(
    ("within", "colour"),
    [(2, GREEN), (3, YELLOW), (5, YELLOW)],
)
def test_the_yellow_window_is_a_setting(within, colour, settings):
    settings.CONTRACT_LIGHT_YELLOW_DAYS = within
    assert lights.colour(D(2026, 10, 9), D(2026, 9, 29)) == colour


MILESTONE_DEADLINES = [
    # (state, evaluation_due, rectification_due, expected (kind, deadline) or None)
    ("pending", None, None, (lights.REPORT, D(2026, 10, 9))),
    ("submitted", D(2026, 10, 20), None, (lights.EVALUATION, D(2026, 10, 20))),
    ("under_evaluation", D(2026, 10, 20), None, (lights.EVALUATION, D(2026, 10, 20))),
    ("submitted", None, None, None),  # no evaluation deadline set: no light
    ("rejected", D(2026, 10, 20), D(2026, 11, 2), (lights.RECTIFICATION, D(2026, 11, 2))),
    ("rejected", None, None, (lights.RECTIFICATION, D(2026, 10, 9))),
    ("accepted", D(2026, 10, 20), None, None),
    ("paid", None, None, None),
]


@pytest.mark.parametrize(("state", "evaluation_due", "rectification_due", "expected"), MILESTONE_DEADLINES)
def test_which_deadline_runs_in_each_state(state, evaluation_due, rectification_due, expected):
    milestone = SimpleNamespace(
        state=state, due_on=D(2026, 10, 9), evaluation_due=evaluation_due, rectification_due=rectification_due
    )
    light = lights.milestone_light(milestone, D(2026, 9, 1))
    assert (None if light is None else (light.kind, light.deadline)) == expected


@pytest.mark.parametrize(
    ("state", "today", "colour"),
    [
        ("draft", D(2026, 9, 10), GREEN),
        ("awaiting_signatures", D(2026, 9, 28), YELLOW),  # due 1 Oct: two working days left
        ("awaiting_signatures", D(2026, 10, 2), RED),
        ("active", D(2026, 10, 2), None),
        ("completed", D(2026, 10, 2), None),
    ],
)
def test_signing_within_30_days_of_the_award(state, today, colour):
    awarded_at = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI)
    light = lights.signing_light(state, awarded_at, today)
    assert (None if light is None else light.colour) == colour
    if light is not None:
        assert light.deadline == D(2026, 10, 1)


def test_worst_puts_red_first():
    found = [
        lights.make_light(lights.REPORT, D(2026, 12, 31), D(2026, 9, 1)),
        lights.make_light(lights.REPORT, D(2026, 9, 2), D(2026, 9, 1)),
        lights.make_light(lights.EVALUATION, D(2026, 8, 2), D(2026, 9, 1)),
        None,
    ]
    assert lights.worst(found).colour == RED
    assert lights.worst([None]) is None


@pytest.mark.django_db
def test_the_milestone_light_follows_the_server_clock(active_contract):
    """Time travel: the same milestone is green, yellow, then red as the clock moves."""
    milestone = active_contract.milestones.get(number=1)
    milestone.due_on = D(2026, 10, 9)
    seen = []
    for moment in (
        datetime.datetime(2026, 9, 20, 9, 0, tzinfo=SHANGHAI),
        datetime.datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI),
        datetime.datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI),
    ):
        with time_machine.travel(moment, tick=False):
            seen.append(lights.milestone_light(milestone, timezone.localdate()).colour)
    assert seen == [GREEN, YELLOW, RED]
