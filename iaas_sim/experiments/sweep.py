"""Sweeps: the metrics of every point of a design over parameter values (a grid, a Latin
hypercube or a Sobol sequence), with common random numbers (every point reuses the same
replication seeds), optionally written as they finish to a resumable Parquet dataset.

For tests, a sweep written to a folder can be interrupted at a known moment instead of a
race: see ``SIGNAL_AFTER``."""

from __future__ import annotations

import itertools
import math
import os
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iaas_sim.engine.guard import DEFAULT_LIMITS, Limits, check_resources
from iaas_sim.experiments.dataset import SweepDataset, normalise
from iaas_sim.experiments.executor import (
    OptionError,
    Outcome,
    Progress,
    Task,
    resolve_jobs,
    run_tasks,
    split_batches,
)
from iaas_sim.experiments.montecarlo import (
    check_replications,
    draw_replication_inputs,
    replication_seeds,
)
from iaas_sim.scenario import Scenario, load_scenario, scenario_hash
from iaas_sim.scenario.load import scenario_to_dict
from iaas_sim.scenario.overrides import canonical_path, get_path
from iaas_sim.scenario.types import MAX_POINTS
from iaas_sim.scenario.uncertain import pin_inputs

METHODS = ("grid", "lhs", "sobol")
BATCH = 10
"""Replications per task (and per file of the dataset)."""
SIGNAL_AFTER = "IAAS_SIM_SWEEP_SIGNAL_AFTER"
"""Tests only: this environment variable set to ``K:SIGNAL`` (``3:SIGINT``, ``5:SIGKILL``)
makes a sweep written to ``out`` send SIGNAL, once it has written K batches, to its
process group (the command and its workers, when it leads the group; else to itself), as
a Ctrl-C or a kill at that moment would. Unset, as in normal use, it does nothing."""


def design_points(
    params: Mapping[str, Any], method: str, n_points: int | None, seed: int
) -> list[dict[str, Any]]:
    """The points of the design. ``grid``: every combination of the values listed per
    parameter. ``lhs`` and ``sobol``: ``n_points`` points spreading ``(low, high)`` ranges
    (scrambled with ``seed``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not params:
        raise ValueError("params is empty: give at least one dotted path and its values")
    names = list(params)
    if method == "grid":
        for path, values in params.items():
            if isinstance(values, str) or len(values) == 0:
                raise ValueError(f"{path}: give a non-empty list of values")
        count = math.prod(len(v) for v in params.values())
        if count > MAX_POINTS:
            raise OptionError("params", f"the grid has {count:,} points, more than {MAX_POINTS:,}")
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(params[n] for n in names))
        ]
    for path, span in params.items():
        if isinstance(span, str) or len(span) != 2 or not float(span[0]) < float(span[1]):
            raise ValueError(f"{path}: give a range (low, high) with low < high, got {span!r}")
    if n_points is None or not 1 <= n_points <= MAX_POINTS:
        raise OptionError(
            "n_points",
            f"{method} needs a number of points from 1 to {MAX_POINTS:,}, got {n_points}",
        )
    from scipy.stats import qmc

    sampler = (
        qmc.LatinHypercube(d=len(names), seed=seed)
        if method == "lhs"
        else qmc.Sobol(d=len(names), scramble=True, seed=seed)
    )
    unit = sampler.random(n_points)
    low = np.array([float(params[n][0]) for n in names])
    high = np.array([float(params[n][1]) for n in names])
    values = low + unit * (high - low)
    return [{n: float(v) for n, v in zip(names, row, strict=True)} for row in values]


def sweep(
    scenario: Scenario | str | Path | dict[str, Any],
    params: Mapping[str, Any],
    *,
    n_replications: int = 1,
    seed: int | None = None,
    n_jobs: int | None = None,
    method: str = "grid",
    n_points: int | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
    scheduler: Any = None,
    limits: Limits | None = DEFAULT_LIMITS,
) -> pd.DataFrame:
    """One row per point x replication: ``point``, ``replication``, the parameters (dotted
    paths as column names), any uncertain inputs drawn, and the flat metrics. Every point
    is validated before anything runs. With ``out``, each finished batch is written to
    ``out/data/`` at once and a re-run of the same sweep resumes (see ``dataset.py``).
    ``method="points"`` takes ``params={"points": [{path: value, ...}, ...]}``.
    ``scheduler``: a Dask scheduler address or client (see ``executor.run_tasks``).
    ``limits``: the resource guard's, checked once before anything runs, for the costliest
    replication the points and uncertain inputs can give (None: no check)."""
    sc = load_scenario(scenario)
    check_replications(n_replications)
    root = sc.run.seed if seed is None else seed
    if method == "points":  # an explicit list of points (sensitivity, goal seeking)
        points = whole_numbers(sc, [dict(p) for p in params["points"]])
    else:
        check_params(sc, list(params))
        points = whole_numbers(sc, design_points(params, method, n_points, root))
    scenarios = [pin_inputs(sc, point) for point in points]  # ScenarioError before running
    if limits is not None:  # every point as it will run, its uncertain inputs at their ends
        check_resources(
            sc,
            limits,
            replications=len(points) * n_replications,
            workers=resolve_jobs(n_jobs),
            points=scenarios,
        )
    seeds = replication_seeds(root, n_replications)
    batches = split_batches(n_replications, -(-n_replications // BATCH))
    named: list[tuple[str, Task]] = []
    for k, (point, point_sc) in enumerate(zip(points, scenarios, strict=True)):
        # Uncertain inputs drawn (and rank-correlated) across the point's replications, as
        # a Monte Carlo run of the point would.
        inputs = draw_replication_inputs(point_sc, seeds, root)
        for b, reps in enumerate(batches):
            labels = [{"point": k, "replication": r, **point} for r in reps]
            given = None if inputs is None else [inputs[r] for r in reps]
            task = Task(point_sc, [seeds[r] for r in reps], (), labels, given)
            named.append((f"part-{k:05d}-{b:04d}", task))
    if out is None:
        outcomes = run_tasks([t for _, t in named], n_jobs, progress, scheduler=scheduler)
        return normalise(pd.DataFrame([row for o in outcomes for row in o.rows]))
    dataset = SweepDataset(
        Path(out),
        {
            "scenario_hash": scenario_hash(sc),
            "method": method,
            "params": {k: list(v) for k, v in params.items()},
            "n_points": None if method == "grid" else n_points,
            "n_replications": n_replications,
            "seed": root,
            "points": points,
        },
    )
    dataset.open()
    todo = [(name, task) for name, task in named if not dataset.done(name)]
    if progress is not None and len(todo) < len(named):
        progress(sum(len(t.seeds) for name, t in named if dataset.done(name)))
    interrupt = _test_interruption()

    def write(k: int, outcome: Outcome) -> None:
        dataset.write(todo[k][0], outcome.rows)
        interrupt()

    run_tasks([t for _, t in todo], n_jobs, progress, on_outcome=write, scheduler=scheduler)
    table = dataset.read([name for name, _ in named])
    from iaas_sim.util.files import atomic_write

    atomic_write(Path(out) / "sweep.csv", lambda p: table.to_csv(p, index=False))
    return table


def _test_interruption() -> Callable[[], None]:
    """Called after each batch written: nothing, unless ``SIGNAL_AFTER`` is set."""
    spec = os.environ.get(SIGNAL_AFTER)
    if not spec:
        return lambda: None
    count, _, name = spec.partition(":")
    after, signum = int(count), signal.Signals[name]
    written = itertools.count(1)

    def interrupt() -> None:
        if next(written) == after:
            if os.getpgrp() == os.getpid():
                os.killpg(os.getpid(), signum)
            else:
                os.kill(os.getpid(), signum)

    return interrupt


def check_params(sc: Scenario, paths: list[str]) -> None:
    """Refuse (``OptionError`` on ``params``) one key given under two spellings
    (``segments[0].x`` and ``segments.smb.x``), and the seed, which a sweep sets for every
    point itself (common random numbers)."""
    data = scenario_to_dict(sc)
    seen: dict[str, str] = {}
    for path in paths:
        try:
            key = canonical_path(data, path)
        except (KeyError, ValueError):
            continue  # validating the points names the path and its value
        if key in seen:
            raise OptionError(
                "params", f"{path}: the same key as {seen[key]} ({key}); give it once"
            )
        if key == "run.seed":
            raise OptionError(
                "params",
                f"{path}: a sweep gives every point the same replication seeds (common "
                "random numbers); sweeping run.seed would change nothing",
            )
        seen[key] = path


def whole_numbers(sc: Scenario, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round the values of keys that hold whole numbers (a Latin hypercube draws reals)."""
    data = scenario_to_dict(sc)
    whole = set()
    for path in points[0] if points else {}:
        try:
            value = get_path(data, path)
        except (KeyError, ValueError):
            continue  # validation of the point names the bad path
        if isinstance(value, int) and not isinstance(value, bool):
            whole.add(path)
    return [
        {k: (round(v) if k in whole and isinstance(v, float) else v) for k, v in p.items()}
        for p in points
    ]


__all__ = ["METHODS", "design_points", "sweep"]
