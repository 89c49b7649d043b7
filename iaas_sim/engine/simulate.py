"""``simulate``: one replication of a scenario."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from iaas_sim.core.streams import make_streams
from iaas_sim.engine.ledger import compute_metrics, compute_monthly
from iaas_sim.engine.result import Result
from iaas_sim.engine.world import World
from iaas_sim.scenario import Scenario, load_scenario, scenario_hash


def package_version() -> str:
    try:
        return version("iaas-sim")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def simulate(
    scenario: Scenario | str | Path | dict[str, Any],
    seed: int | np.random.SeedSequence | None = None,
) -> Result:
    """Simulate one replication. ``seed`` defaults to the scenario's ``run.seed``; the same
    scenario and seed always give the same result."""
    sc = load_scenario(scenario)
    if seed is None:
        seed = sc.run.seed
    if isinstance(seed, bool) or not isinstance(seed, Integral | np.random.SeedSequence):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(seed, Integral):
        seed = int(seed)
    if isinstance(seed, int) and seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    world = World(sc, make_streams(seed))
    world.run()
    monthly = compute_monthly(world)
    metadata = {
        "package_version": package_version(),
        "scenario_name": sc.name,
        "scenario_hash": scenario_hash(sc),
        "seed": seed if isinstance(seed, int) else repr(seed),
        "currency": sc.run.currency,
    }
    return Result(monthly, compute_metrics(monthly, world), metadata)
