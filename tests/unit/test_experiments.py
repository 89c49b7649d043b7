"""Monte Carlo and sweeps: reproducible whatever the workers, common random numbers."""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import wait
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.experiments import executor
from iaas_sim.experiments.executor import split_batches
from tests.conftest import tiny

GROWING = {
    "segments[0].potential_customers": 800.0,
    "segments[0].usage_cv": 0.3,
    "segments[0].churn_per_month": 0.02,
    "run.months": 12,
}


def test_batches_cover_every_replication_once() -> None:
    for n, k in [(1, 4), (10, 3), (7, 7), (100, 8)]:
        batches = split_batches(n, k)
        assert [i for b in batches for i in b] == list(range(n))


def _quick_fail_or_sleep(task: SimpleNamespace) -> None:
    if task.kind == "fail":
        deadline = time.monotonic() + 60
        while not task.seen.exists() and time.monotonic() < deadline:
            time.sleep(0.01)  # until the parent has taken the quick batch's outcome
        raise RuntimeError("this batch fails")
    if task.kind == "sleep":
        time.sleep(120)


def test_a_failed_batch_ends_the_local_workers_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Left alone, the workers would sleep through the batches queued to them (minutes).
    monkeypatch.setattr(executor, "run_task", _quick_fail_or_sleep)
    before = set(multiprocessing.active_children())
    workers: set[multiprocessing.process.BaseProcess] = set()
    seen = tmp_path / "quick batch seen"

    def note_the_workers(k: int, outcome: object) -> None:
        workers.update(set(multiprocessing.active_children()) - before)
        seen.touch()

    kinds = ["quick", "fail", "sleep", "sleep", "sleep", "sleep"]
    tasks = [SimpleNamespace(kind=kind, seen=seen, seeds=[k]) for k, kind in enumerate(kinds)]
    with pytest.raises(RuntimeError, match="this batch fails"):
        executor.run_tasks(tasks, n_jobs=2, on_outcome=note_the_workers)  # type: ignore[arg-type]
    assert len(workers) == 2
    # Terminated, they end now, not after their two minutes. (Their sentinels tell: the
    # pool's own thread reaps them too, which can leave ``is_alive`` unsure.)
    running = {w.sentinel for w in workers}
    deadline = time.monotonic() + 30
    while running and time.monotonic() < deadline:
        running -= set(wait(list(running), timeout=deadline - time.monotonic()))
    assert not running


def test_monte_carlo_is_identical_whatever_the_number_of_workers() -> None:
    sc = tiny(**GROWING)
    one = sim.monte_carlo(sc, n_replications=6, seed=9, n_jobs=1)
    two = sim.monte_carlo(sc, n_replications=6, seed=9, n_jobs=2)
    pd.testing.assert_frame_equal(one.metrics, two.metrics)
    pd.testing.assert_frame_equal(one.bands, two.bands)
    assert list(one.metrics["replication"]) == list(range(6))


def test_monte_carlo_bands_are_ordered_quantiles() -> None:
    mc = sim.monte_carlo(tiny(**GROWING), n_replications=10, seed=1, n_jobs=1)
    revenue = mc.bands["revenue"]
    assert list(revenue.columns) == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert (revenue.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    assert len(revenue) == 12
    assert 0.0 <= mc.probability("total_revenue", 0.0) <= 1.0
    assert mc.probability("total_revenue", 0.0) == 1.0


def test_sweep_uses_common_random_numbers() -> None:
    # Ample capacity: demand does not depend on price, so revenue is exactly proportional.
    table = sim.sweep(
        tiny(**GROWING), {"pricing.vm_hour_price": [0.02, 0.04]}, n_replications=3, seed=4, n_jobs=1
    )
    assert len(table) == 6
    low = table[table["pricing.vm_hour_price"] == 0.02].set_index("replication")
    high = table[table["pricing.vm_hour_price"] == 0.04].set_index("replication")
    np.testing.assert_allclose(high["total_revenue"], 2 * low["total_revenue"], rtol=1e-12)
    assert low["total_revenue"].nunique() == 3


def test_sweep_grid_is_the_cartesian_product() -> None:
    table = sim.sweep(
        tiny(),
        {"pricing.vm_hour_price": [0.02, 0.03, 0.04], "segments[0].churn_per_month": [0.0, 0.1]},
        n_jobs=1,
    )
    assert len(table) == 6
    assert table["point"].tolist() == list(range(6))


def test_sweep_refuses_bad_values_before_running() -> None:
    with pytest.raises(sim.ScenarioError, match=r"pricing\.vm_hour_price"):
        sim.sweep(tiny(), {"pricing.vm_hour_price": [0.02, -1.0]}, n_jobs=1)
    with pytest.raises(ValueError, match="non-empty"):
        sim.sweep(tiny(), {"pricing.vm_hour_price": []}, n_jobs=1)


@pytest.mark.parametrize("n", [0, 1.5, True])
def test_a_bad_number_of_replications_is_refused_naming_the_argument(n: object) -> None:
    with pytest.raises(executor.OptionError, match="replications must be a whole number") as caught:
        sim.monte_carlo(tiny(), n_replications=n, n_jobs=1)  # type: ignore[arg-type]
    assert caught.value.option == "n_replications"
