"""Extension points for apps built on ``marketplace`` (``contracts``), which
``marketplace`` itself may never import (.importlinter).

An app registers a function for a named slot in its ``AppConfig.ready()``;
the page that owns the slot collects what the registered functions return.
The slots:

- ``officer_todo``: ``fn(user, now) -> marketplace.workspace.selectors.Section``,
  one more section of the officer's to-do page (/work/);
- ``organization_workspace``: ``fn(user, organization) -> Panel or None``, a
  panel on the organization's workspace (its contracts' lights, say);
- ``organization_card``: ``fn(user, organization) -> [Todo]``, what awaits
  the user for that organization, one line each under its card on "My
  organizations" (/org/: a contract to sign, say);
- ``evaluator_workspace``: ``fn(user) -> Panel or None``, a panel on the
  evaluator's workspace (/evaluate/);
- ``community_workspace``: ``fn(user) -> Panel or None``, a panel on the
  community worker's needs page;
- ``workspace``: ``fn(user) -> path or None``, where a user whom no
  ``marketplace`` role places works (finance officers: their payments),
  asked in registration order when sign-in lands and for the header's entry.

A ``Panel`` names a template and its context; the page includes it where the
slot is.  Functions run in registration order; a slot nobody fills is empty."""

from collections import defaultdict
from dataclasses import dataclass, field

SLOTS = (
    "officer_todo",
    "organization_workspace",
    "organization_card",
    "evaluator_workspace",
    "community_workspace",
    "workspace",
)

_registry = defaultdict(list)


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    #: among the panels of one slot: the lower, the higher on the page
    rank: int = 100


@dataclass
class Todo:
    """One thing that awaits the user: a line of text and where to do it."""

    text: str
    url: str


def todos(slot, *args):
    """The slot's functions' lists, joined."""
    return [todo for function in functions(slot) for todo in (function(*args) or ())]


def register(slot, function):
    if slot not in SLOTS:
        raise ValueError(f"unknown extension slot {slot!r}; known: {', '.join(SLOTS)}")
    if function not in _registry[slot]:
        _registry[slot].append(function)
    return function


def unregister(slot, function):
    if function in _registry[slot]:
        _registry[slot].remove(function)


def functions(slot):
    return list(_registry[slot])


def panels(slot, *args):
    """What the slot's functions return for ``args``, without the Nones,
    panels sorted by rank."""
    found = [result for function in functions(slot) if (result := function(*args)) is not None]
    if all(isinstance(result, Panel) for result in found):
        found.sort(key=lambda panel: panel.rank)
    return found
