"""A Dask worker killed in the middle of a sweep: the scheduler runs its lost tasks again
elsewhere, and the sweep completes with the same table as an undisturbed run. The workers of
a cluster started for a run get the allocator settings they are meant to."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pandas as pd
import pytest

import iaas_sim as sim
from tests.conftest import ROOT


def test_sweep_survives_a_worker_killed_mid_run(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    sc = sim.load_scenario(ROOT / "scenarios/minimal.toml").override({"run.months": 36})
    grid = {
        "pricing.vm_hour_price": [0.03, 0.04, 0.05, 0.06],
        "segments[0].churn_per_month": [0.01, 0.02],
    }
    undisturbed = sim.sweep(sc, grid, n_replications=3, seed=4, n_jobs=1)

    killed: list[int] = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)  # worker address -> process id

        def kill_a_busy_worker(_n: int) -> None:
            if killed:
                return
            busy = [w for w, keys in client.processing().items() if keys]
            victim = busy[0] if busy else next(iter(pids))
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(pids[victim])

        table = sim.sweep(
            sc,
            grid,
            n_replications=3,
            seed=4,
            scheduler=client,
            progress=kill_a_busy_worker,
            out=tmp_path / "sweep",
        )
        survivors = set(client.run(os.getpid).values())
    assert len(killed) == 1
    assert killed[0] not in survivors  # the worker was really killed (the nanny restarted it)
    pd.testing.assert_frame_equal(table, undisturbed)
    assert len(table) == 8 * 3
    assert not table.duplicated(["point", "replication"]).any()


def test_a_local_cluster_starts_its_workers_with_the_allocator_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("distributed")
    from iaas_sim.experiments.dask_executor import WORKER_ENVIRON, connect

    for name in WORKER_ENVIRON:  # one set in this process would win (Dask's rule)
        monkeypatch.delenv(name, raising=False)
    client, close = connect("local:1")
    try:
        seen = client.run(lambda: {name: os.environ.get(name) for name in WORKER_ENVIRON})
    finally:
        close()
    assert list(seen.values()) == [WORKER_ENVIRON]


def test_an_unreachable_scheduler_is_refused_naming_the_argument() -> None:
    pytest.importorskip("distributed")
    from iaas_sim.experiments.dask_executor import connect
    from iaas_sim.experiments.options import OptionError

    with pytest.raises(OptionError, match=r"cannot reach the Dask scheduler") as caught:
        connect("tls://127.0.0.1:1")  # TLS without Dask's TLS settings: refused at once
    assert caught.value.option == "scheduler"
