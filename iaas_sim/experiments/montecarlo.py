"""Monte Carlo: many replications of one scenario, their metrics and monthly quantile bands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iaas_sim.experiments.executor import (
    DEFAULT_COLUMNS,
    Task,
    resolve_jobs,
    run_tasks,
    split_batches,
)
from iaas_sim.scenario import Scenario, load_scenario

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class MonteCarloResult:
    """Replications of one scenario."""

    metrics: pd.DataFrame
    """One row per replication (``replication`` column first), flat scalar metrics."""
    bands: pd.DataFrame
    """Monthly quantiles: columns ``(column, quantile)``, one row per month."""
    seed: int

    def probability(self, metric: str, threshold: float, above: bool = True) -> float:
        """Share of replications whose ``metric`` is >= (or <=) ``threshold``; missing
        values (e.g. no payback) count as failures."""
        values = pd.to_numeric(self.metrics[metric], errors="coerce")
        hit = values >= threshold if above else values <= threshold
        return float(hit.fillna(False).mean())


def replication_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """Child seed of each replication; the same for every sweep point (common random
    numbers) and whatever the number of workers."""
    return np.random.SeedSequence(seed).spawn(n)


def monte_carlo(
    scenario: Scenario | str | Path | dict[str, Any],
    n_replications: int,
    seed: int | None = None,
    n_jobs: int | None = None,
    columns: tuple[str, ...] = DEFAULT_COLUMNS,
) -> MonteCarloResult:
    """Run ``n_replications`` of ``scenario`` (seed defaults to ``run.seed``) on ``n_jobs``
    local processes (default: every core). Same seed, same result, whatever ``n_jobs``."""
    sc = load_scenario(scenario)
    if n_replications < 1:
        raise ValueError(f"n_replications must be at least 1, got {n_replications}")
    root = sc.run.seed if seed is None else seed
    seeds = replication_seeds(root, n_replications)
    batches = split_batches(n_replications, 4 * resolve_jobs(n_jobs))
    tasks = [
        Task(sc, [seeds[i] for i in b], columns, [{"replication": i} for i in b]) for b in batches
    ]
    outcomes = run_tasks(tasks, n_jobs)
    rows = [row for o in outcomes for row in o.rows]
    series = [s for o in outcomes for s in o.series]
    months = pd.period_range(sc.run.start, periods=sc.run.months, freq="M", name="month")
    return MonteCarloResult(pd.DataFrame(rows), compute_bands(series, columns, months), root)


def compute_bands(
    series: list[dict[str, np.ndarray]], columns: tuple[str, ...], months: pd.PeriodIndex
) -> pd.DataFrame:
    """Monthly quantiles of each column over replications."""
    frames = {}
    for column in columns:
        stack = np.stack([s[column] for s in series])
        frames[column] = pd.DataFrame(
            np.quantile(stack, QUANTILES, axis=0).T, index=months, columns=list(QUANTILES)
        )
    return pd.concat(frames, axis=1, names=["column", "quantile"])
