"""Replications per second of the Cloudwatt 2014 scenario with 1 and 2 local workers (the
scaling ratio), and the overhead of the Dask executor against the local one for the same
batch, all measured in this run (the machine is shared: the ratios are what count).

    .venv/bin/python benchmarks/bench_experiments.py [--replications 24]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import iaas_sim as sim

ROOT = Path(__file__).resolve().parents[1]


def rate(n: int, **executor: object) -> float:
    """Replications per second of one Monte Carlo run of ``n`` replications."""
    scenario = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml")
    start = time.perf_counter()
    sim.monte_carlo(scenario, n_replications=n, seed=1, **executor)  # type: ignore[arg-type]
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=24)
    args = parser.parse_args()
    n = args.replications
    rate(2, n_jobs=1)  # imports and caches warm
    one = rate(n, n_jobs=1)
    two = rate(n, n_jobs=2)
    print(f"Cloudwatt 2014, {n} replications")
    print(f"1 worker (local)        : {one:6.2f} replications/s")
    print(f"2 workers (local)       : {two:6.2f} replications/s = {two / one:.2f} x one", end="")
    print(" (target >= 1.6)")
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        rate(4, scheduler=client)  # both workers import the package
        dask = rate(n, scheduler=client)
    print(
        f"2 workers (Dask)        : {dask:6.2f} replications/s; overhead against local "
        f"{(two / dask - 1):+.1%} of the run time"
    )


if __name__ == "__main__":
    main()
