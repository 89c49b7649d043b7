"""Dotted-path overrides: ``{"pricing.vm_hour_price": 0.05}`` -> a re-validated copy, checked
as a file is (its schema, every event applied in turn, every uncertain input at its ends).

The path grammar lives in ``paths`` and is re-exported here; the copy itself is made by
``validation.replace_values``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iaas_sim.scenario.errors import ScenarioError
from iaas_sim.scenario.events import compute_timeline
from iaas_sim.scenario.paths import (
    FREE_TABLES,
    MAX_PATH_CHARS,
    MAX_PATH_PARTS,
    PathError,
    canonical_path,
    flatten_changes,
    get_path,
    join_path,
    parse_path,
    set_path,
)
from iaas_sim.scenario.uncertain_checks import check_uncertain as check_uncertain_inputs
from iaas_sim.scenario.validation import replace_values, validate_model

if TYPE_CHECKING:
    from iaas_sim.scenario.model import Scenario

__all__ = [
    "FREE_TABLES",
    "MAX_PATH_CHARS",
    "MAX_PATH_PARTS",
    "PathError",
    "apply_overrides",
    "canonical_path",
    "check_applied",
    "flatten_changes",
    "get_path",
    "join_path",
    "parse_path",
    "set_path",
    "validate_checked",
]


def apply_overrides(
    scenario: Scenario,
    changes: Mapping[str, Any],
    check_events: bool = True,
    check_uncertain: bool = True,
) -> Scenario:
    """A re-validated copy of ``scenario`` with the values at the dotted paths of
    ``changes`` replaced (tables merged key by key, see ``flatten_changes``)."""
    changed = replace_values(scenario, changes)
    check_applied(changed, "override", check_events, check_uncertain)
    return changed


def validate_checked(
    model: type[Scenario],
    data: dict[str, Any],
    source: str | None = None,
    check_events: bool = True,
    check_uncertain: bool = True,
) -> Scenario:
    """Plain data validated into ``model`` (the ``Scenario`` class, given by the caller so
    that this module need not import it), then checked by ``check_applied``."""
    scenario = validate_model(model, data, source)
    check_applied(scenario, source, check_events, check_uncertain)
    return scenario


def check_applied(
    scenario: Scenario,
    source: str | None,
    check_events: bool = True,
    check_uncertain: bool = True,
) -> None:
    """The checks that judge a valid scenario by changing it: with ``check_events``, every
    event applied in turn (``compute_timeline``); with ``check_uncertain``, every uncertain
    input's range against its key. Problems raise a ``ScenarioError`` from ``source``."""
    if check_events and scenario.events:
        try:
            compute_timeline(scenario)
        except ScenarioError as exc:
            raise ScenarioError(exc.problems, source) from None
    if check_uncertain and (scenario.uncertain or scenario.correlations):
        problems = check_uncertain_inputs(scenario)
        if problems:
            raise ScenarioError(problems, source)
