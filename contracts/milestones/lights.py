"""Traffic lights (亮灯): how close a deadline is, by Chinese working days.

Pure functions of (deadline, today, state): no clock and no database here.
Callers pass ``today`` (the server's local date, ``timezone.localdate()``),
so the tests travel in time by passing another day.

- **green**: on track;
- **yellow**: due within ``CONTRACT_LIGHT_YELLOW_DAYS`` working days (default
  3): the working days after today up to and including the deadline are at
  most that many, the deadline day itself included (due today is yellow);
- **red**: overdue (today is after the deadline).

Working days come from ``marketplace.core.workdays`` (weekends, public
holidays and the adjusted working days 调休 of the Chinese calendar).

Which deadline runs depends on the state:

- a contract being drafted or signed: **signing**, 30 calendar days after the
  award notice (``Award.awarded_at``);
- a pending milestone: its **report** due date (``Milestone.due_on``);
- a submitted milestone or one under evaluation: **evaluation** due
  (``Milestone.evaluation_due``), when the officer set one;
- a rejected milestone: **rectification** due (``Milestone.rectification_due``),
  else its report due date;
- accepted or paid milestones, and contracts that are signed, completed or
  terminated: no light."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.core.workdays import DayCount, days_between

GREEN = "green"
YELLOW = "yellow"
RED = "red"
#: the order lights are listed in: reds first
SEVERITY = {RED: 0, YELLOW: 1, GREEN: 2}
COLOUR_LABELS = {GREEN: _("Green: on track"), YELLOW: _("Yellow: due soon"), RED: _("Red: overdue")}
#: the site's status classes that show each colour (static/css/site.css)
COLOUR_CLASSES = {GREEN: "status-eligible", YELLOW: "status-expiring", RED: "status-expired"}

SIGNING = "signing"
REPORT = "report"
EVALUATION = "evaluation"
RECTIFICATION = "rectification"
KIND_LABELS = {
    SIGNING: _("Contract signing"),
    REPORT: _("Milestone report"),
    EVALUATION: _("Evaluation"),
    RECTIFICATION: _("Rectification"),
}
#: one letter per kind, for ``Milestone.light_notified`` ("<letter>:<colour>", at most 10 characters)
KIND_CODES = {SIGNING: "s", REPORT: "d", EVALUATION: "e", RECTIFICATION: "x"}

# Milestone.State and Contract.State values (this module imports no models).
MILESTONE_REPORT_STATES = ("pending",)
MILESTONE_EVALUATION_STATES = ("submitted", "under_evaluation")
MILESTONE_RECTIFICATION_STATES = ("rejected",)
CONTRACT_SIGNING_STATES = ("draft", "awaiting_signatures")


def yellow_days():
    return int(getattr(settings, "CONTRACT_LIGHT_YELLOW_DAYS", 3))


def colour(deadline, today, *, within=None):
    """``GREEN``, ``YELLOW`` or ``RED`` for a deadline (a date) seen on ``today``."""
    within = yellow_days() if within is None else within
    if today > deadline:
        return RED
    if days_between(today, deadline, DayCount.WORKING) <= within:
        return YELLOW
    return GREEN


def working_days_left(deadline, today):
    """Working days after today up to the deadline; negative when overdue
    (the working days after the deadline up to today)."""
    if today > deadline:
        return -days_between(deadline, today, DayCount.WORKING)
    return days_between(today, deadline, DayCount.WORKING)


@dataclass(frozen=True)
class Light:
    kind: str
    deadline: datetime.date
    colour: str
    days_left: int

    @property
    def severity(self):
        return SEVERITY[self.colour]

    @property
    def colour_label(self):
        return COLOUR_LABELS[self.colour]

    @property
    def css_class(self):
        return COLOUR_CLASSES[self.colour]

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def stamp(self):
        """What ``Milestone.light_notified`` records once this light was announced."""
        return f"{KIND_CODES[self.kind]}:{self.colour}"

    @property
    def days_text(self):
        days = self.days_left
        if self.colour == RED:
            if days == 0:
                return str(_("Overdue"))
            return ngettext("Overdue by %(count)s working day", "Overdue by %(count)s working days", -days) % {
                "count": -days
            }
        if days == 0:
            return str(_("Due today"))
        return ngettext("%(count)s working day left", "%(count)s working days left", days) % {"count": days}

    def sort_key(self):
        return (self.severity, self.deadline)


def make_light(kind, deadline, today, *, within=None):
    return Light(kind, deadline, colour(deadline, today, within=within), working_days_left(deadline, today))


def milestone_deadline(state, *, due_on, evaluation_due=None, rectification_due=None):
    """``(kind, deadline)`` of the deadline running in ``state``, or None."""
    if state in MILESTONE_REPORT_STATES:
        return REPORT, due_on
    if state in MILESTONE_EVALUATION_STATES:
        return (EVALUATION, evaluation_due) if evaluation_due else None
    if state in MILESTONE_RECTIFICATION_STATES:
        return RECTIFICATION, rectification_due or due_on
    return None


def milestone_light(milestone, today, *, within=None):
    """The light of the milestone's running deadline, or None (nothing runs)."""
    found = milestone_deadline(
        milestone.state,
        due_on=milestone.due_on,
        evaluation_due=milestone.evaluation_due,
        rectification_due=milestone.rectification_due,
    )
    if found is None:
        return None
    kind, deadline = found
    return make_light(kind, deadline, today, within=within)


def signing_deadline(awarded_at):
    """The day the contract should be signed by: 30 days after the award
    notice (its local date; the contracts domain's rule)."""
    from contracts.contracts.services.base import signing_deadline_of

    return signing_deadline_of(awarded_at)


def signing_light(contract_state, awarded_at, today, *, within=None):
    """The signing light of a contract being drafted or signed, else None."""
    if contract_state not in CONTRACT_SIGNING_STATES or awarded_at is None:
        return None
    return make_light(SIGNING, signing_deadline(awarded_at), today, within=within)


def worst(lights):
    """The most severe of ``lights`` (Nones ignored), or None."""
    found = [light for light in lights if light is not None]
    return min(found, key=Light.sort_key) if found else None
