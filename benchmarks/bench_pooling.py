"""Speed of the pooling core against its limit, numpy's float32 normal generator, measured
in the same process (the machine is shared: only ratios are meaningful).

    .venv/bin/python benchmarks/bench_pooling.py [--customers 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from iaas_sim.core.pooling import Book, compute_month_pool
from iaas_sim.core.profiles import profile_matrix

HOURS = 744


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """Fastest wall time of ``repeats`` calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_book(n: int, rng: np.random.Generator) -> Book:
    return Book(
        vms=rng.geometric(0.3, n).astype(float),
        profile=rng.integers(0, 3, n),
        cv=np.full(n, 0.3),
        phi=np.full(n, 0.8),
        state=rng.standard_normal(n),
        start=np.zeros(n, dtype=np.int64),
        end=np.full(n, 10**9, dtype=np.int64),
        group=rng.integers(0, 27, n),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n, rng = args.customers, np.random.default_rng(0)
    cells = n * HOURS

    limit = cells / best_of(args.repeats, lambda: rng.standard_normal((n, HOURS), dtype=np.float32))
    book, shapes, capacity = make_book(n, rng), profile_matrix(), np.full(HOURS, 1e12)
    pooled = cells / best_of(
        args.repeats, lambda: compute_month_pool(book, 0, capacity, 0, shapes, 27, rng)
    )
    print(f"numpy float32 normals      : {limit / 1e6:8.1f} M/s (the limit)")
    print(
        f"pooling, per customer      : {pooled / 1e6:8.1f} M customer-hours/s "
        f"= {pooled / limit:.2f} x the limit   (N = {n:,}, one month)"
    )

    import iaas_sim as sim

    scenario = sim.load_scenario(Path(__file__).parents[1] / "scenarios/cloudwatt-2014.toml")
    seconds = best_of(1, lambda: sim.simulate(scenario))
    print(f"Cloudwatt 2014, one run    : {seconds:8.1f} s")


if __name__ == "__main__":
    main()
