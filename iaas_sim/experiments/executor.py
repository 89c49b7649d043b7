"""Running batches of replications: in this process, or in local worker processes.

Every replication carries its own child ``SeedSequence``, so results do not depend on how
replications are batched or on the number of workers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from iaas_sim.engine.guard import DEFAULT_LIMITS, Limits
from iaas_sim.engine.simulate import simulate
from iaas_sim.scenario.errors import Problem, ScenarioError
from iaas_sim.scenario.model import Scenario


class OptionError(ValueError):
    """A bad experiment setting, tied to the command-line option that sets it."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(message)


DEFAULT_COLUMNS: tuple[str, ...] = (
    "cumulative_cash",
    "cumulative_free_cash_flow",
    "revenue",
    "ebitda",
    "utilisation",
    "vms_avg",
    "customers",
)
"""Monthly columns kept from each replication for quantile bands."""


@dataclass(frozen=True)
class Task:
    """Replications of one scenario (a sweep point)."""

    scenario: Scenario
    seeds: Sequence[np.random.SeedSequence]
    columns: tuple[str, ...]
    labels: Sequence[dict[str, Any]]
    """One dict per replication, copied into its row of metrics."""
    inputs: Sequence[dict[str, float] | None] | None = None
    """Per replication, the uncertain inputs' values (None: drawn by the replication)."""
    limits: Limits | None = DEFAULT_LIMITS
    """The resource guard's limits for each replication (None: checked before)."""


@dataclass(frozen=True)
class Outcome:
    """Per replication: flat metrics, and the kept monthly columns."""

    rows: list[dict[str, Any]]
    series: list[dict[str, np.ndarray]]


def flatten_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Scalar metrics; dicts become ``<name>_<key>`` columns
    (``revenue_by_year`` -> ``revenue_2014``…)."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            prefix = "revenue" if key.startswith("revenue_by_") else key
            flat.update({f"{prefix}_{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def run_task(task: Task) -> Outcome:
    """Simulate every replication of a task (in whichever process it lands)."""
    rows, series = [], []
    inputs = task.inputs if task.inputs is not None else [None] * len(task.seeds)
    for seed, label, given in zip(task.seeds, task.labels, inputs, strict=True):
        try:
            res = simulate(task.scenario, seed=seed, inputs=given, limits=task.limits)
        except Exception as exc:  # named with what reproduces it, not only the library's words
            raise replication_error(exc, seed, label, given) from None
        drawn = res.metadata.get("inputs", {})
        rows.append({**label, **drawn, **flatten_metrics(res.metrics)})
        series.append({c: res.monthly[c].to_numpy() for c in task.columns})
    return Outcome(rows, series)


def replication_error(
    exc: Exception, seed: np.random.SeedSequence, label: dict[str, Any], inputs: Any
) -> ScenarioError:
    """A failed replication as a refusal naming the replication, its seed and its inputs
    (``simulate(scenario, seed=SeedSequence(entropy, spawn_key=...))`` reproduces it)."""
    where = ", ".join(f"{k} {v}" for k, v in label.items() if k in ("point", "replication"))
    given = {k: v for k, v in label.items() if k not in ("point", "replication")}
    given.update(inputs or {})
    shown = ", ".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in given.items()
    )
    why = (
        "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in exc.problems)
        if isinstance(exc, ScenarioError)
        else f"{type(exc).__name__}: {exc}"
    )
    seed_text = f"SeedSequence(entropy={seed.entropy}, spawn_key={tuple(seed.spawn_key)})"
    return ScenarioError(
        [
            Problem(
                where or "replication",
                f"failed with seed {seed_text}"
                + (f" and inputs {shown}" if shown else "")
                + f": {why}",
            )
        ]
    )


def resolve_jobs(n_jobs: int | None) -> int:
    """``None`` means every core; at least one."""
    if n_jobs is None:
        return max(1, os.cpu_count() or 1)
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be at least 1, got {n_jobs}")
    return n_jobs


Progress = Callable[[int], None]
"""Called with the number of replications just finished."""


def run_tasks(
    tasks: list[Task],
    n_jobs: int | None,
    progress: Progress | None = None,
    on_outcome: Callable[[int, Outcome], None] | None = None,
    scheduler: Any = None,
) -> list[Outcome]:
    """Run tasks in ``n_jobs`` local processes (in this one when 1), or on a Dask cluster
    when ``scheduler`` is given (an address, a ``distributed.Client``, or ``"local:N"`` for a
    LocalCluster of N workers); outcomes in the order of the tasks, whatever order they
    finish in. ``on_outcome(k, outcome)`` is called in this process as task ``k`` finishes
    (to write it at once), then ``progress``."""
    jobs = resolve_jobs(n_jobs)
    results: dict[int, Outcome] = {}

    def finished(k: int, outcome: Outcome) -> None:
        results[k] = outcome
        if on_outcome is not None:
            on_outcome(k, outcome)
        if progress is not None:
            progress(len(tasks[k].seeds))

    if scheduler is not None:
        from iaas_sim.experiments.dask_executor import run_on_dask

        run_on_dask(tasks, scheduler, finished)
    elif jobs == 1 or len(tasks) <= 1:
        for k, task in enumerate(tasks):
            finished(k, run_task(task))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            futures = {pool.submit(run_task, task): k for k, task in enumerate(tasks)}
            try:
                for future in as_completed(futures):
                    finished(futures[future], future.result())
            except BaseException:  # Ctrl-C, a failed task: stop the workers now
                processes = list(getattr(pool, "_processes", {}).values())
                pool.shutdown(wait=False, cancel_futures=True)
                for process in processes:  # or they would run what was queued to them
                    process.terminate()
                raise
    return [results[k] for k in range(len(tasks))]


def batch_count(n_replications: int, n_jobs: int | None) -> int:
    """How many tasks to cut replications into: at least four per worker (so workers
    finish together) and at most ten replications each (so progress moves)."""
    return max(4 * resolve_jobs(n_jobs), -(-n_replications // 10))


def split_batches(n: int, n_batches: int) -> list[range]:
    """``range(n)`` cut into at most ``n_batches`` contiguous, near-equal parts."""
    n_batches = max(1, min(n, n_batches))
    edges = np.linspace(0, n, n_batches + 1).round().astype(int)
    return [range(a, b) for a, b in itertools.pairwise(edges) if b > a]
