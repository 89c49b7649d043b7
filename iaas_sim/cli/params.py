"""``--param`` items (``PATH=SPEC``) of sweep, sensitivity and solve (``--between``), read
into the values and ranges the experiments take."""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np

from iaas_sim.scenario import Problem, Scenario, ScenarioError
from iaas_sim.scenario.types import MAX_POINTS


def _refused(path: str, message: str, spec: str) -> ScenarioError:
    return ScenarioError([Problem(f"--param {path}", message, spec, True)])


def parse_params(items: list[str], method: str) -> dict[str, Any]:
    """``["a.b=0.03:0.08:6", "c=[1, 2]"]`` -> ``{"a.b": [0.03, ...], "c": [1, 2]}`` (grid)
    or ``{"a.b": (0.03, 0.08)}`` (ranges, for lhs and sobol)."""
    params: dict[str, Any] = {}
    for item in items:
        path, sep, spec = item.partition("=")
        path, spec = path.strip(), spec.strip()
        if not sep or not path or not spec:
            raise ScenarioError([Problem("--param", "must be written PATH=SPEC", item, True)])
        if spec.startswith("["):
            params[path] = _values(path, spec)
        else:
            params[path] = _range(path, spec, method)
    return params


def _values(path: str, spec: str) -> list[Any]:
    """``[v1, v2, ...]``: the values as TOML reads them."""
    try:
        values = tomllib.loads(f"v = {spec}")["v"]
    except tomllib.TOMLDecodeError as exc:
        raise _refused(path, f"not a TOML list ({exc})", spec) from None
    if not values:
        raise _refused(path, "give a non-empty list of values", spec)
    return list(values)


def _range(path: str, spec: str, method: str) -> Any:
    """``LOW:HIGH:COUNT`` (a grid's values) or ``LOW:HIGH`` (a range)."""
    parts = spec.split(":")
    try:
        numbers = [float(p) for p in parts[:2]]
        count = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        numbers, count = [], None
    if len(parts) not in (2, 3) or len(numbers) != 2:
        raise _refused(path, "write LOW:HIGH:COUNT, LOW:HIGH or [v1, v2, ...]", spec)
    low, high = numbers
    if not low < high:
        raise _refused(path, "LOW must be below HIGH (an empty or reversed range)", spec)
    if method != "grid":
        return (low, high)
    if count is not None and count > MAX_POINTS:
        raise _refused(path, f"COUNT must be at most {MAX_POINTS:,}", spec)
    if count is None or count < 1:
        raise _refused(path, "a grid needs LOW:HIGH:COUNT with COUNT >= 1", spec)
    return [round(float(v), 12) for v in np.linspace(low, high, count)]


def check_ends(scenario: Scenario, path: str, low: float, high: float) -> None:
    """``ScenarioError`` unless both ends of a range are values the scenario accepts."""
    scenario.override({path: rounded(scenario, path, low)})
    scenario.override({path: rounded(scenario, path, high)})


def rounded(scenario: Scenario, path: str, value: float) -> float:
    """``value`` rounded when the key holds a whole number (its checks want one)."""
    from iaas_sim.scenario.load import scenario_to_dict
    from iaas_sim.scenario.overrides import get_path

    try:
        current = get_path(scenario_to_dict(scenario), path)
    except (KeyError, ValueError):
        return value  # the override check names the bad path
    whole = isinstance(current, int) and not isinstance(current, bool)
    return round(value) if whole else value
