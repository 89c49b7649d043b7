"""Running batches of replications: in this process, in local worker processes, or on a
Dask cluster (``dask_executor``).

Every replication carries its own child ``SeedSequence``, so results do not depend on how
replications are batched or on the number of workers. The tasks themselves are in
``tasks`` (re-exported here)."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from iaas_sim.experiments.dask_executor import run_on_dask
from iaas_sim.experiments.options import OptionError
from iaas_sim.experiments.tasks import (
    DEFAULT_COLUMNS,
    Outcome,
    Task,
    flatten_metrics,
    replication_error,
    run_task,
)

__all__ = [
    "DEFAULT_COLUMNS",
    "OptionError",
    "Outcome",
    "Progress",
    "Task",
    "batch_count",
    "flatten_metrics",
    "replication_error",
    "resolve_jobs",
    "run_task",
    "run_tasks",
    "split_batches",
]


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
        run_on_dask(tasks, scheduler, finished)
    elif jobs == 1 or len(tasks) <= 1:
        for k, task in enumerate(tasks):
            finished(k, run_task(task))
    else:
        run_in_pool(tasks, min(jobs, len(tasks)), finished)
    return [results[k] for k in range(len(tasks))]


def run_in_pool(
    tasks: list[Task], n_workers: int, finished: Callable[[int, Outcome], None]
) -> None:
    """Run tasks in ``n_workers`` local processes, calling ``finished(k, outcome)`` here as
    each completes. On any exception (Ctrl-C, a failed task) the workers are terminated at
    once: a pool shut down without waiting still runs what was queued to its workers, and
    a worker interrupted by Ctrl-C goes on with the next task."""
    others = set(multiprocessing.active_children())
    with ProcessPoolExecutor(max_workers=n_workers) as pool:
        try:
            futures = {pool.submit(run_task, task): k for k, task in enumerate(tasks)}
            for future in as_completed(futures):
                finished(futures[future], future.result())
        except BaseException:
            # The pool's workers are the children of this process it started.
            workers = set(multiprocessing.active_children()) - others
            pool.shutdown(wait=False, cancel_futures=True)
            for worker in workers:
                worker.terminate()
            raise


def batch_count(n_replications: int, n_jobs: int | None) -> int:
    """How many tasks to cut replications into: at least four per worker (so workers
    finish together) and at most ten replications each (so progress moves)."""
    return max(4 * resolve_jobs(n_jobs), -(-n_replications // 10))


def split_batches(n: int, n_batches: int) -> list[range]:
    """``range(n)`` cut into at most ``n_batches`` contiguous, near-equal parts."""
    n_batches = max(1, min(n, n_batches))
    edges = np.linspace(0, n, n_batches + 1).round().astype(int)
    return [range(a, b) for a, b in itertools.pairwise(edges) if b > a]
