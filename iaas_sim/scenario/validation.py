"""Plain data into a validated model: the limits of its structure, the schema's own checks
(errors named by key path), and a re-validated copy with some values replaced.

These are the checks that do not change the scenario to judge it. Those that do (every event
applied in turn, every uncertain input at its ends) replace values themselves, so they stand
above this module (``overrides.check_applied``). A copy is validated as the model it is a copy
of, so nothing here needs the ``Scenario`` class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from iaas_sim.scenario.errors import Problem, ScenarioError, format_path, from_validation_error
from iaas_sim.scenario.paths import flatten_changes, set_path

Model = TypeVar("Model", bound=BaseModel)

MAX_DEPTH = 20
"""Tables and arrays inside one another: a scenario's deepest key (an event changing a
staff role's schedule) is 7 deep."""
MAX_KEY_CHARS = 200
MAX_NODES = 200_000
"""Tables, arrays and values of one scenario: the shipped ones have a few hundred."""


def check_structure(data: Any) -> None:
    """Refuse plain data nested too deep, with keys too long or too many values, naming
    the path where it happens (``ScenarioError``)."""
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    nodes = 0
    while stack:
        node, loc = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ScenarioError([Problem("", f"more than {MAX_NODES:,} values in all")])
        if len(loc) > MAX_DEPTH:
            raise ScenarioError(
                [Problem(format_path(loc), f"tables and arrays nested more than {MAX_DEPTH} deep")]
            )
        if isinstance(node, Mapping):
            for key, value in node.items():
                text = str(key)
                if len(text) > MAX_KEY_CHARS:
                    problem = f"a key is longer than {MAX_KEY_CHARS} characters"
                    raise ScenarioError(
                        [Problem(format_path(loc), problem, text[:40] + "...", True)]
                    )
                stack.append((value, (*loc, text)))
        elif isinstance(node, list | tuple):
            stack.extend((value, (*loc, k)) for k, value in enumerate(node))


def validate_model(model: type[Model], data: dict[str, Any], source: str | None = None) -> Model:
    """``data`` validated into ``model`` (its structure first, then its schema); every
    problem raised at once as a ``ScenarioError`` from ``source``."""
    try:
        check_structure(data)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, source) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, model, source) from None


def scenario_to_dict(scenario: BaseModel) -> dict[str, Any]:
    """Plain data (TOML/JSON-like, keys as written in files) of a scenario."""
    return scenario.model_dump(mode="python", by_alias=True)


def replace_values(scenario: Model, changes: Mapping[str, Any], source: str = "override") -> Model:
    """A copy of ``scenario`` with the values at the dotted paths of ``changes`` replaced
    (tables merged key by key, see ``flatten_changes``), validated as the same model; the
    events and uncertain inputs are not checked again (``overrides.apply_overrides`` does)."""
    check_structure(changes)
    data = scenario_to_dict(scenario)
    problems = []
    created: set[int] = set()
    for path, value in flatten_changes(changes).items():
        try:
            set_path(data, path, value, created)
        except (KeyError, ValueError) as exc:
            problems.append(Problem(path, str(exc.args[0]), value, True))
    if problems:
        raise ScenarioError(problems, source)
    return validate_model(type(scenario), data, source)
