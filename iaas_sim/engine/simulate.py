"""``simulate``: one replication of a scenario."""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from iaas_sim.core.streams import make_streams
from iaas_sim.core.uncertain import sample_inputs
from iaas_sim.engine.ledger import compute_metrics, compute_monthly
from iaas_sim.engine.result import Result
from iaas_sim.engine.world import World
from iaas_sim.scenario import Problem, Scenario, ScenarioError, load_scenario, scenario_hash
from iaas_sim.scenario.overrides import apply_overrides
from iaas_sim.scenario.uncertain import integer_paths
from iaas_sim.util.version import package_version


def simulate(
    scenario: Scenario | str | Path | dict[str, Any],
    *,
    seed: int | np.random.SeedSequence | None = None,
    inputs: Mapping[str, float] | None = None,
) -> Result:
    """Simulate one replication. ``seed`` defaults to the scenario's ``run.seed``; the same
    scenario and seed always give the same result.

    A scenario with uncertain inputs (``[uncertain]``) draws them once, from the
    replication's own ``inputs`` stream, unless ``inputs`` gives their values (as a Monte
    Carlo run does after inducing rank correlations); the values used are in the result's
    metadata under ``inputs``.

    ``simulate`` is a pure function of the scenario and the seed: it runs no resource
    guard (the entry points that run many replications, and the command line, check once
    before they start; see ``iaas_sim.engine.guard.check_resources``). A run whose table
    holds a number that is not finite is refused, never returned."""
    sc = load_scenario(scenario)
    if seed is None:
        seed = sc.run.seed
    if isinstance(seed, bool) or not isinstance(seed, Integral | np.random.SeedSequence):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(seed, Integral):
        seed = int(seed)
    if isinstance(seed, int) and seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    streams = make_streams(seed)
    used: dict[str, float] = {}
    if sc.uncertain:
        used = dict(inputs) if inputs is not None else draw_inputs(sc, seed)
        try:
            sc = apply_overrides(sc, used, check_uncertain=False)
        except ScenarioError as exc:  # each input fits its key, but not together
            drawn = ", ".join(f"{k} = {v:g}" for k, v in used.items())
            why = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
            raise ScenarioError(
                [Problem("uncertain", f"the inputs drawn ({drawn}) are refused together: {why}")]
            ) from None
    world = World(sc, streams)
    world.run()
    final = world.sc  # the scenario in force at the run's end (events may change it)
    monthly = compute_monthly(world.books(), final.finance)
    metadata: dict[str, Any] = {
        "package_version": package_version(),
        "scenario_name": sc.name,
        "scenario_hash": scenario_hash(sc),
        "seed": seed if isinstance(seed, int) else repr(seed),
        "currency": sc.run.currency,
        "thresholds": final.capacity.thresholds.model_dump(),
    }
    if used:
        metadata["inputs"] = used
    metrics = compute_metrics(monthly, final)
    check_finite(sc, monthly, metrics)
    return Result(monthly, metrics, metadata)


UNDEFINED_COLUMNS = frozenset(
    {"pooling_gain", "partner_margin_per_vm_hour", "procurement_utilisation"}
)
"""Ratios left NaN where undefined (no peak estimated, no partner VM-hours, demand but no
capacity)."""
UNDEFINED_METRICS = frozenset({"pooling_gain", "irr"})


def check_finite(sc: Scenario, monthly: Any, metrics: dict[str, Any]) -> None:
    """Refuse a run whose table or metrics hold an infinity (or a NaN where a number is
    due), naming the first bad column and month and the scenario's most extreme numbers:
    such a result is never returned or written."""
    numbers = monthly.select_dtypes("number")
    values = numbers.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    allowed = np.array([c in UNDEFINED_COLUMNS for c in numbers.columns])
    bad &= ~(np.isnan(values) & allowed)
    flat = {
        f"{k}.{sub}" if isinstance(v, dict) else k: x
        for k, v in metrics.items()
        for sub, x in (v.items() if isinstance(v, dict) else [(None, v)])
    }
    bad_metrics = [
        k
        for k, x in flat.items()
        if isinstance(x, float) and not math.isfinite(x) and k not in UNDEFINED_METRICS
    ]
    if not bad.any() and not bad_metrics:
        return
    if bad.any():
        row, col = np.argwhere(bad)[0]
        what = f"{numbers.columns[col]} is {values[row, col]} in {monthly.index[row]}"
    else:
        what = f"the metric {bad_metrics[0]} is {flat[bad_metrics[0]]}"
    suspects = ", ".join(f"{path} = {value:g}" for path, value in extreme_inputs(sc))
    raise ScenarioError(
        [
            Problem(
                "",
                f"the run gives numbers that are not finite ({what}); nothing is written. "
                f"The most extreme inputs: {suspects or 'none stands out'}",
            )
        ]
    )


def extreme_inputs(sc: Scenario, count: int = 3) -> list[tuple[str, float]]:
    """The scenario's numbers farthest from 1 in order of magnitude (0 left out)."""
    from iaas_sim.scenario.load import scenario_to_dict
    from iaas_sim.scenario.overrides import join_path

    found: list[tuple[str, float]] = []
    stack: list[tuple[Any, str]] = [(scenario_to_dict(sc), "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack += [(v, join_path(path, str(k)) if path else str(k)) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(v, f"{path}[{i}]") for i, v in enumerate(node)]
        elif _is_number(node) and node != 0 and not path.startswith(("run.", "schema_version")):
            found.append((path, float(node)))
    found.sort(key=lambda item: -abs(math.log10(abs(item[1]))))
    return found[:count]


def draw_inputs(scenario: Scenario, seed: int | np.random.SeedSequence) -> dict[str, float]:
    """One draw of the scenario's uncertain inputs for the replication ``seed`` (whole
    numbers for keys that hold them)."""
    return sample_inputs(scenario, seed, integer_paths(scenario))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
