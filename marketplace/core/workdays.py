"""Counting days for procurement periods: calendar days, or working days
by the Chinese calendar (weekends, public holidays and the adjusted
working days 调休 from ``chinese_calendar``).

``chinese_calendar`` knows the State Council's holiday arrangements up to its
last published year; for a later year (not yet announced) Monday to Friday
count as working days, and ``calendar_known`` says so to whoever displays it.
"""

import datetime

import chinese_calendar
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayCount(models.TextChoices):
    """How a period is counted: calendar days, or working days (with 调休)."""

    CALENDAR = "calendar", _("calendar days")
    WORKING = "working", _("working days")


def calendar_known(day):
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def days_between(start, end, unit):
    """Days after ``start`` up to and including ``end`` (dates): all of them,
    or only the working days."""
    if end <= start:
        return 0
    if unit == DayCount.CALENDAR:
        return (end - start).days
    count = 0
    day = start + datetime.timedelta(days=1)
    while day <= end:
        count += is_workday(day)
        day += datetime.timedelta(days=1)
    return count


def add_days(start, count, unit):
    """The first date on which ``days_between(start, date, unit) >= count``."""
    if unit == DayCount.CALENDAR:
        return start + datetime.timedelta(days=count)
    day = start
    counted = 0
    while counted < count:
        day += datetime.timedelta(days=1)
        counted += is_workday(day)
    return day
