"""Sweeps: the metrics of every point of a grid of parameter values, with common random
numbers (every point reuses the same replication seeds)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from iaas_sim.experiments.executor import Task, run_tasks
from iaas_sim.experiments.montecarlo import replication_seeds
from iaas_sim.scenario import Scenario, load_scenario


def sweep(
    scenario: Scenario | str | Path | dict[str, Any],
    params: Mapping[str, Sequence[Any]],
    n_replications: int = 1,
    seed: int | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """One row per point x replication: ``point``, ``replication``, the swept parameters
    (dotted paths as column names) and the flat metrics. Points are the Cartesian product
    of the values; every point is validated before anything runs."""
    sc = load_scenario(scenario)
    if not params:
        raise ValueError("params is empty: give at least one dotted path and its values")
    for path, values in params.items():
        if isinstance(values, str) or len(values) == 0:
            raise ValueError(f"{path}: give a non-empty list of values")
    names = list(params)
    points = [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(params[n] for n in names))
    ]
    scenarios = [sc.override(point) for point in points]  # raises ScenarioError early
    seeds = replication_seeds(sc.run.seed if seed is None else seed, n_replications)
    tasks = [
        Task(
            point_sc,
            seeds,
            (),
            [{"point": k, "replication": r, **point} for r in range(n_replications)],
        )
        for k, (point, point_sc) in enumerate(zip(points, scenarios, strict=True))
    ]
    rows = [row for outcome in run_tasks(tasks, n_jobs) for row in outcome.rows]
    return pd.DataFrame(rows)
