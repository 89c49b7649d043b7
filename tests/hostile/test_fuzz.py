"""Fuzzing the shipped scenarios as an attacker would: every outcome is a clean refusal
naming the key, or a run whose table is finite and keeps the identities.

Hypothesis (seeded, bounded in examples and time) takes a shipped scenario cut to two
years and changes it in one place: a number set to 0, -1, 1e308, 1e-320, NaN, infinity,
2**70, a string, a boolean or a table; a key deleted; a table or a list swapped for a
number; a value nested deep. Then ``load_scenario`` and ``simulate`` must either raise
``ScenarioError`` whose text names the changed key (or, for a deleted key, its table), or
return a table whose numbers are finite (but the ratios documented as undefined) and whose
identities hold. Any other exception fails the test. The command line maps
``ScenarioError`` to exit 2 with the same text; a few examples go through ``iaas-sim run``
in this process to check it prints no traceback and writes nothing when it refuses.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import iaas_sim as sim
from iaas_sim.engine.guard import Limits, check_resources
from iaas_sim.engine.simulate import UNDEFINED_COLUMNS
from iaas_sim.scenario.errors import format_path
from tests.conftest import SCENARIOS
from tests.regression.test_shipped import check_identities

MONTHS = 24


def _short(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario cut to ``MONTHS`` months (two years keep every run under a second),
    with the dated items beyond them left out."""
    start = data["run"]["start"]
    last = start.year * 12 + start.month - 1 + MONTHS - 1

    def within(day: Any) -> bool:
        return bool(day.year * 12 + day.month - 1 < last)

    data["run"]["months"] = MONTHS
    data["events"] = [e for e in data.get("events", []) if within(e["date"])]
    finance = data.get("finance", {})
    finance["funding"] = [f for f in finance.get("funding", []) if within(f["date"])]
    data.pop("uncertain", None)
    data.pop("correlations", None)
    return data


BASES = {p.stem: _short(tomllib.loads(p.read_text())) for p in SCENARIOS}

LIMITS = Limits(memory_bytes=2 * 2**30, seconds=20.0)
"""A mutated scenario too big to run in seconds must be refused by the guard."""

BAD_VALUES: list[Any] = [
    0,
    -1,
    1e308,
    -1e308,
    1e-320,
    float("nan"),
    float("inf"),
    2**70,
    "x",
    True,
    {},
    {"a": 1},
    [],
    [1, 2],
]


def _leaves(node: Any, loc: tuple[int | str, ...] = ()) -> list[tuple[int | str, ...]]:
    """Locations of every value (tables and lists included) in plain data."""
    found = [loc] if loc else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _leaves(value, (*loc, key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            found += _leaves(value, (*loc, k))
    return found


def _set(data: Any, loc: tuple[int | str, ...], value: Any) -> None:
    node = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value


def _delete(data: Any, loc: tuple[int | str, ...]) -> None:
    node = data
    for part in loc[:-1]:
        node = node[part]
    del node[loc[-1]]


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@st.composite
def mutations(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[int | str, ...], str]:
    name = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[name])
    locs = [loc for loc in _leaves(data) if loc[0] not in ("schema_version",)]
    loc = draw(st.sampled_from(locs))
    how = draw(st.sampled_from(["value", "value", "value", "delete", "deep"]))
    if how == "delete":
        _delete(data, loc)
    elif how == "deep":
        _set(data, loc, _deep(draw(st.integers(15, 120))))
    else:
        _set(data, loc, draw(st.sampled_from(BAD_VALUES)))
    return data, loc, how


def _names_the_key(text: str, loc: tuple[int | str, ...], how: str) -> bool:
    """The refusal names the changed key, a key under it (a table's own fields), or (for
    a deleted key or a rule between keys) the table that holds it."""
    if not text:
        return False
    path = format_path(loc)
    parent = format_path(loc[:-1]) if len(loc) > 1 else ""
    named = [path, path.replace("segments[", "segments["), parent or path]
    return any(n and n in text for n in named) or any(
        str(part) in text for part in loc if isinstance(part, str)
    )


def _check_run(data: dict[str, Any], loc: tuple[int | str, ...], how: str) -> str:
    try:
        sc = sim.load_scenario(data)
        check_resources(sc, LIMITS)  # as the entry points do, before the run
        res = sim.simulate(sc, seed=1)
    except sim.ScenarioError as exc:
        refusal = str(exc)
    else:
        refusal = ""
    if refusal:
        assert _names_the_key(refusal, loc, how), (format_path(loc), how, refusal)
        return "refused"
    numbers = res.monthly.select_dtypes("number")
    for column in numbers:
        values = numbers[column].to_numpy(dtype=float)
        ok = np.isfinite(values) | (np.isnan(values) & (column in UNDEFINED_COLUMNS))
        assert ok.all(), (format_path(loc), column)
    check_identities(res.monthly)
    return "ran"


@seed(12)
@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutations())
def test_mutated_scenarios_are_refused_by_key_or_run_finite(
    case: tuple[dict[str, Any], tuple[int | str, ...], str],
) -> None:
    _check_run(*case)


@pytest.mark.slow
@seed(2026)
@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutations())
def test_many_mutated_scenarios_are_refused_by_key_or_run_finite(
    case: tuple[dict[str, Any], tuple[int | str, ...], str],
) -> None:
    _check_run(*case)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), -float("inf")):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("pricing.vm_hour_price", 1e308),
        ("costs.electricity_price_per_kwh", float("inf")),
        ("channels.direct_sales.reps", 2**70),
        ("segments[0].churn_per_month", "x"),
        ("capacity.vms_per_server", {"a": {"a": 1}}),
    ],
)
def test_the_command_line_refuses_mutations_without_traceback(
    tmp_path: Path, path: str, value: Any
) -> None:
    from iaas_sim.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(SCENARIOS[0]), "--set", f"{path}={_toml(value)}", "--out", str(out)],
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert path.split(".")[-1] in result.output
    assert not out.exists()
