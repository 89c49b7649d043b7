"""Dated events: a date and dotted overrides that the engine applies from that date on
(a pivot, a price cut, a new partner programme)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from iaas_sim.scenario.errors import Problem, ScenarioError
from iaas_sim.scenario.paths import PathError, flatten_changes, parse_path
from iaas_sim.scenario.types import Date, Frozen
from iaas_sim.scenario.validation import replace_values

if TYPE_CHECKING:
    from iaas_sim.scenario.model import Scenario

FIXED_SECTIONS = {
    "schema_version",
    "name",
    "description",
    "run",
    "finance",
    "events",
    "reserved",
    "uncertain",
    "correlations",
}
"""Top-level keys an event may not change: how the run is set up and accounted."""

FIXED_KEYS = {
    ("capacity", "initial_servers"),
    ("segments", "*", "initial_customers"),
    ("segments", "*", "name"),
    ("segments", "*", "adoption_start"),
    ("channels", "partners", "types", "*", "initial_partners"),
    ("channels", "partners", "types", "*", "name"),
}
"""Quantities that only mean something at the run's start (or name outputs)."""

FIXED_LISTS = {("segments",), ("channels", "partners", "types")}
"""Lists whose items an event may change but not add, remove or replace whole."""


class Event(Frozen):
    """Changes to the scenario that take effect on a date."""

    date: Date
    """Day the changes take effect; they apply from the first month starting on or after
    it [date]."""
    name: Annotated[str, Field(max_length=200)] = ""
    """Label recorded in the monthly table's ``events`` column [-]."""
    set: Annotated[dict[str, Any], Field(min_length=1, max_length=100)]
    """Dotted paths and their new values, as in ``Scenario.override``; tables are merged key
    by key [-]."""


def _fixed(path: str) -> bool:
    tokens: list[str] = [t if isinstance(t, str) else "*" for t in parse_path(path)]
    if tokens[0] in FIXED_SECTIONS:
        return True
    if tuple(tokens) in FIXED_LISTS:
        return True
    for prefix in FIXED_LISTS:  # items named instead of numbered: segments.NAME.key
        n = len(prefix)
        if tuple(tokens[:n]) == prefix and len(tokens) > n:
            tokens[n] = "*"
    return any(tuple(tokens[: len(k)]) == k for k in FIXED_KEYS)


def _refusal(where: str, path: str, value: Any) -> Problem | None:
    """Why an event may not set ``path`` (None: it may)."""
    try:
        fixed = _fixed(path)
    except PathError:
        return Problem(where, "cannot read this path")
    return Problem(where, "cannot change during a run", value, True) if fixed else None


def compute_timeline(scenario: Scenario) -> list[tuple[dt.date, str, Scenario]]:
    """Each event in date order (ties in file order) with the scenario in force after it,
    every change applied cumulatively and re-validated (the scenarios given have no events
    of their own, and their uncertain inputs are not checked again). A bad event raises
    ``ScenarioError`` naming ``events[i].set."path"``."""
    order = sorted(range(len(scenario.events)), key=lambda i: scenario.events[i].date)
    timeline = []
    # The scenarios in force carry no events (they are applied already): each step then
    # re-validates one scenario, not one holding every event, and time stays linear.
    current = scenario.model_copy(update={"events": []})
    for i in order:
        event = scenario.events[i]
        where = f"events[{i}].set"
        flat = flatten_changes(event.set)
        refused = [_refusal(f'{where}."{path}"', path, value) for path, value in flat.items()]
        if any(refused):
            raise ScenarioError([p for p in refused if p is not None])
        try:
            current = replace_values(current, flat)
        except ScenarioError as exc:
            problems = [
                Problem(f'{where}."{p.path}"' if p.path else where, p.message, p.value, p.has_value)
                for p in exc.problems
            ]
            raise ScenarioError(problems) from None
        timeline.append((event.date, event.name or f"events[{i}]", current))
    return timeline
