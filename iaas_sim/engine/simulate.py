"""``simulate``: one replication of a scenario."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from iaas_sim.core.streams import make_streams
from iaas_sim.core.uncertain import sample_inputs
from iaas_sim.engine.guard import check_resources
from iaas_sim.engine.ledger import compute_metrics, compute_monthly
from iaas_sim.engine.result import Result
from iaas_sim.engine.world import World
from iaas_sim.scenario import Problem, Scenario, ScenarioError, load_scenario, scenario_hash
from iaas_sim.scenario.overrides import apply_overrides
from iaas_sim.scenario.uncertain import integer_paths


def package_version() -> str:
    try:
        return version("iaas-sim")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def simulate(
    scenario: Scenario | str | Path | dict[str, Any],
    seed: int | np.random.SeedSequence | None = None,
    inputs: Mapping[str, float] | None = None,
) -> Result:
    """Simulate one replication. ``seed`` defaults to the scenario's ``run.seed``; the same
    scenario and seed always give the same result.

    A scenario with uncertain inputs (``[uncertain]``) draws them once, from the
    replication's own ``inputs`` stream, unless ``inputs`` gives their values (as a Monte
    Carlo run does after inducing rank correlations); the values used are in the result's
    metadata under ``inputs``."""
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
    check_resources(sc)  # refuses a run that cannot fit in memory
    world = World(sc, streams)
    world.run()
    monthly = compute_monthly(world)
    metadata: dict[str, Any] = {
        "package_version": package_version(),
        "scenario_name": sc.name,
        "scenario_hash": scenario_hash(sc),
        "seed": seed if isinstance(seed, int) else repr(seed),
        "currency": sc.run.currency,
    }
    if used:
        metadata["inputs"] = used
    return Result(monthly, compute_metrics(monthly, world), metadata)


def draw_inputs(scenario: Scenario, seed: int | np.random.SeedSequence) -> dict[str, float]:
    """One draw of the scenario's uncertain inputs for the replication ``seed`` (whole
    numbers for keys that hold them)."""
    return sample_inputs(scenario, seed, integer_paths(scenario))
