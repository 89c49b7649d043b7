"""Same inputs, same bytes: ``monthly.csv`` is byte-identical whether the run is made by
the CLI, in this process, in a spawned worker process (one or two at a time) or on a Dask
worker; and every output names the package version, the scenario's hash and the seed."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import iaas_sim as sim
from iaas_sim.engine.result import Result
from tests.cli import iaas_sim
from tests.conftest import ROOT

NUMERGY = ROOT / "scenarios/numergy-2013.toml"
"""The shipped scenario with every mechanism at work (outages, reservations, partners)."""


def _csv(result: Result, folder: Path) -> bytes:
    result.save(folder)
    return (folder / "monthly.csv").read_bytes()


@pytest.mark.slow  # about 10 s: spawned workers and a Dask cluster
def test_monthly_csv_is_byte_identical_across_runs_processes_and_dask(tmp_path: Path) -> None:
    sc = sim.load_scenario(NUMERGY).override({"run.months": 30})
    seed = 11
    cli_out = tmp_path / "cli"
    for attempt in ("first", "second"):
        args = ["run", str(NUMERGY), "--seed", str(seed), "--set", "run.months=30", "--no-plot"]
        proc = iaas_sim(*args, "--out", str(cli_out / attempt))
        assert proc.returncode == 0, proc.stderr
    reference = (cli_out / "first" / "monthly.csv").read_bytes()
    assert (cli_out / "second" / "monthly.csv").read_bytes() == reference

    assert _csv(sim.simulate(sc, seed=seed), tmp_path / "here") == reference

    spawn = multiprocessing.get_context("spawn")
    for workers in (1, 2):
        with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
            # Two workers run two seeds at once: the one we compare must not notice.
            futures = [pool.submit(sim.simulate, sc, seed=s) for s in (seed, seed + 1)]
            got = futures[0].result()
        assert _csv(got, tmp_path / f"pool{workers}") == reference

    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        futures = [client.submit(sim.simulate, sc, seed=s, pure=False) for s in (seed, seed + 1)]
        got = futures[0].result()
    assert _csv(got, tmp_path / "dask") == reference


def test_every_output_names_version_scenario_hash_and_seed(tmp_path: Path) -> None:
    res = sim.simulate(sim.load_scenario(NUMERGY).override({"run.months": 24}), seed=3)
    folder = tmp_path / "run"
    res.save(folder)
    meta = json.loads((folder / "metrics.json").read_text())["metadata"]
    assert meta["package_version"] == sim.__version__
    assert meta["seed"] == 3
    assert meta["scenario_hash"] == res.metadata["scenario_hash"]
    import pyarrow.parquet as pq

    stored = json.loads(pq.read_schema(folder / "monthly.parquet").metadata[b"iaas_sim"])
    assert stored == meta
    # A different scenario, a different hash; the same one loaded again, the same hash.
    again = sim.simulate(sim.load_scenario(NUMERGY).override({"run.months": 24}), seed=3)
    other = sim.simulate(sim.load_scenario(NUMERGY).override({"run.months": 25}), seed=3)
    assert again.metadata["scenario_hash"] == meta["scenario_hash"]
    assert other.metadata["scenario_hash"] != meta["scenario_hash"]
