"""Monte Carlo: many replications of one scenario, their metrics (with the uncertain
inputs each drew), monthly quantile bands and goal probabilities."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iaas_sim.core.uncertain import correlation_matrix, sample_iman_conover, sample_inputs
from iaas_sim.engine.guard import DEFAULT_LIMITS, Limits, check_resources
from iaas_sim.engine.simulate import simulate
from iaas_sim.experiments.executor import (
    DEFAULT_COLUMNS,
    OptionError,
    Progress,
    Task,
    batch_count,
    flatten_metrics,
    replication_error,
    resolve_jobs,
    run_tasks,
    split_batches,
)
from iaas_sim.experiments.goals import Goal, check_goals, parse_goal, summarise_goals
from iaas_sim.scenario import Scenario, load_scenario, scenario_hash
from iaas_sim.scenario.types import MAX_REPLICATIONS
from iaas_sim.scenario.uncertain import integer_paths
from iaas_sim.util.files import atomic_write
from iaas_sim.util.version import package_version

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def check_replications(n: int, option: str = "n_replications") -> None:
    """``OptionError`` (on ``option``, the argument giving ``n``) unless
    1 <= ``n`` <= ``MAX_REPLICATIONS``."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REPLICATIONS:
        raise OptionError(
            option, f"replications must be a whole number from 1 to {MAX_REPLICATIONS:,}, got {n!r}"
        )


@dataclass(frozen=True)
class MonteCarloResult:
    """Replications of one scenario."""

    metrics: pd.DataFrame
    """One row per replication: ``replication``, the uncertain inputs drawn (dotted paths
    as column names), then the flat scalar metrics."""
    bands: pd.DataFrame
    """Monthly quantiles: columns ``(column, quantile)``, one row per month."""
    seed: int
    goals: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per goal asked for: ``goal``, ``probability``, ``standard_error``,
    ``replications``."""
    metadata: dict[str, Any] = field(default_factory=dict)

    def probability(self, metric: str, threshold: float, *, above: bool = True) -> float:
        """Share of replications whose ``metric`` is >= (or <=) ``threshold``; missing
        values (e.g. no payback) count as failures."""
        values = pd.to_numeric(self.metrics[metric], errors="coerce")
        hit = values >= threshold if above else values <= threshold
        return float(hit.fillna(False).mean())

    def save(self, out: Path) -> list[Path]:
        """Write ``replications.csv`` / ``.parquet``, ``bands.csv``, ``goals.csv`` and
        ``metadata.json`` in ``out`` (each through a temporary file renamed into place)."""
        out.mkdir(parents=True, exist_ok=True)
        tidy = self.bands.melt(ignore_index=False).reset_index()
        writers = {
            "replications.csv": lambda p: self.metrics.to_csv(p, index=False),
            "replications.parquet": lambda p: self.metrics.to_parquet(p, index=False),
            "bands.csv": lambda p: tidy.to_csv(p, index=False),
            "goals.csv": lambda p: self.goals.to_csv(p, index=False),
            "metadata.json": lambda p: Path(p).write_text(json.dumps(self.metadata, indent=2)),
        }
        return [atomic_write(out / name, write) for name, write in writers.items()]


def replication_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """Child seed of each replication; the same for every sweep point (common random
    numbers) and whatever the number of workers."""
    return np.random.SeedSequence(seed).spawn(n)


def draw_replication_inputs(
    sc: Scenario, seeds: Sequence[np.random.SeedSequence], root: int
) -> list[dict[str, float]] | None:
    """Each replication's uncertain inputs, drawn from its own ``inputs`` stream (what
    ``simulate`` would draw alone), then reordered across replications (Iman-Conover) to
    give them the rank correlations of ``[[correlations]]``."""
    if not sc.uncertain:
        return None
    whole = integer_paths(sc)
    draws = [sample_inputs(sc, s, whole) for s in seeds]
    if not sc.correlations:
        return draws
    names = list(sc.uncertain)
    matrix = np.array([[d[n] for n in names] for d in draws], dtype=float)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(root, spawn_key=(1 << 30,))))
    matrix = sample_iman_conover(matrix, correlation_matrix(sc), rng)
    return [
        {n: (round(v) if n in whole else float(v)) for n, v in zip(names, row, strict=True)}
        for row in matrix
    ]


def monte_carlo(
    scenario: Scenario | str | Path | dict[str, Any],
    *,
    n_replications: int,
    seed: int | None = None,
    n_jobs: int | None = None,
    columns: tuple[str, ...] = DEFAULT_COLUMNS,
    goals: Sequence[str | Goal] = (),
    progress: Progress | None = None,
    scheduler: Any = None,
    limits: Limits | None = DEFAULT_LIMITS,
) -> MonteCarloResult:
    """Run ``n_replications`` of ``scenario`` (seed defaults to ``run.seed``) on ``n_jobs``
    local processes (default: every core), and the probability of each goal (see
    ``experiments/goals.py``). Same seed, same result, whatever ``n_jobs``.
    ``progress(n)`` is called as replications finish. ``scheduler``: run on a Dask
    cluster instead (an address, a ``distributed.Client`` or ``"local:N"``).
    ``limits``: the resource guard's, checked once before anything runs, for the costliest
    replication the uncertain inputs can draw (None: no check)."""
    sc = load_scenario(scenario)
    check_replications(n_replications)
    if limits is not None:
        check_resources(sc, limits, n_replications, resolve_jobs(n_jobs))
    parsed = [g if isinstance(g, Goal) else parse_goal(g) for g in goals]
    kept = tuple(dict.fromkeys([*columns, *(g.name for g in parsed if g.monthly)]))
    root = sc.run.seed if seed is None else seed
    seeds = replication_seeds(root, n_replications)
    inputs = draw_replication_inputs(sc, seeds, root)
    if parsed:
        # One replication here first, to refuse a goal on a name that does not exist
        # before the long run rather than after it.
        first = None if inputs is None else inputs[0]
        try:
            trial = simulate(sc, seed=seeds[0], inputs=first)
        except Exception as exc:
            raise replication_error(exc, seeds[0], {"replication": 0}, first) from None
        flat = flatten_metrics(trial.metrics)
        months = pd.period_range(sc.run.start, periods=sc.run.months, freq="M", name="month")
        check_goals(parsed, list(flat), list(trial.monthly.columns), months, flat)
    batches = split_batches(n_replications, batch_count(n_replications, n_jobs))
    tasks = [
        Task(
            sc,
            [seeds[i] for i in b],
            kept,
            [{"replication": i} for i in b],
            None if inputs is None else [inputs[i] for i in b],
        )
        for b in batches
    ]
    outcomes = run_tasks(tasks, n_jobs, progress, scheduler=scheduler)
    rows = [row for o in outcomes for row in o.rows]
    series = [s for o in outcomes for s in o.series]
    months = pd.period_range(sc.run.start, periods=sc.run.months, freq="M", name="month")
    metrics = pd.DataFrame(rows)
    metadata = {
        "scenario_name": sc.name,
        "package_version": package_version(),
        "scenario_hash": scenario_hash(sc),
        "seed": root,
        "currency": sc.run.currency,
        "replications": n_replications,
        "uncertain_inputs": list(sc.uncertain),
    }
    return MonteCarloResult(
        metrics,
        compute_bands(series, kept, months),
        root,
        summarise_goals(parsed, metrics, series, months),
        metadata,
    )


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
