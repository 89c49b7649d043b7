"""Speed and memory of the pooling core, measured against its limits in the same run (the
machine is shared and noisy: only the ratios are meaningful).

    .venv/bin/python benchmarks/bench_pooling.py [--customers 20000] [--repeats 5]

Prints, in one run:
  * numpy's float32 normal generator (the limit of a per-customer core);
  * ``per_customer`` customer-hours/s and its ratio to the limit;
  * ``cohort`` time and its speed-up over ``per_customer``, aggregate only and with the
    pooling gain (reference customers);
  * a naive SimPy model, one process per customer waking every hour, and the ratio;
  * peak memory (RSS) pooling 10^6 customers over one month, in a fresh process;
  * one full replication of the Cloudwatt 2014 scenario.
Targets (issue 4): per_customer >= 0.8x the limit; cohort >= 300x per_customer (aggregate)
and >= 10x (with pooling gain); per_customer >= 150x naive SimPy; <= 200 MiB for 10^6
customers; one Cloudwatt replication <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from iaas_sim.core.cohorts import CohortState
from iaas_sim.core.pooling import Book, Classes, MonthPool, Settings, sample_month_pool
from iaas_sim.core.profiles import PROFILE_TABLE, profile_matrix
from iaas_sim.scenario.types import PROFILES

HOURS = 744
ROOT = Path(__file__).resolve().parents[1]


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """Fastest wall time of ``repeats`` calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def classes() -> Classes:
    table = [PROFILE_TABLE[name] for name in PROFILES]
    return Classes(
        np.arange(len(PROFILES)),
        np.array([p.cv for p in table]),
        np.array([p.autocorrelation for p in table]),
    )


def make_book(n: int, rng: np.random.Generator, groups: int = 27) -> Book:
    """``n`` customers of the three profiles in ``groups`` billing groups, all active."""
    return Book(
        vms=rng.geometric(0.3, n).astype(float),
        klass=rng.integers(0, len(PROFILES), n),
        state=rng.standard_normal(n),
        held=np.full(n, -1, dtype=np.int64),
        start=np.zeros(n, dtype=np.int64),
        end=np.full(n, 10**9, dtype=np.int64),
        group=rng.integers(0, groups, n),
    )


def pool(
    book: Book,
    mode: str,
    rng: np.random.Generator,
    references: int = 32,
    cohorts: CohortState | None = None,
) -> MonthPool:
    """Pool the book's second month (its customers all there since the first)."""
    return sample_month_pool(
        book,
        classes(),
        HOURS,
        np.full(HOURS, 1e12),
        0,
        profile_matrix(),
        27,
        rng,
        settings=Settings(mode=mode, reference_customers=references),
        cohorts=cohorts,
    )


def held_by_cohorts(book: Book, rng: np.random.Generator) -> tuple[Book, CohortState]:
    """The book as the engine holds it after a month pooled by cohort: fluctuations held by
    the cohorts' aggregates (the steady state of cohort pooling)."""
    first = pool(book, "cohort", rng, references=0)
    assert first.held is not None
    assert first.cohorts is not None
    return replace(book, held=first.held), first.cohorts


def naive_simpy(n: int, seed: int) -> float:
    """One SimPy process per customer, waking every hour to draw its AR(1) step and add its
    demand: the textbook discrete-event way. Returns the total demand (to be used)."""
    import simpy

    rnd = random.Random(seed)
    env = simpy.Environment()
    total = np.zeros(HOURS)

    def customer(vms: float, cv: float, phi: float) -> object:
        x, kick = rnd.gauss(0.0, 1.0), (1.0 - phi * phi) ** 0.5
        while True:
            x = phi * x + kick * rnd.gauss(0.0, 1.0)
            total[int(env.now)] += vms * (1.0 + cv * x)
            yield env.timeout(1)

    for _ in range(n):
        env.process(customer(float(rnd.randint(1, 5)), 0.2, 0.8))
    env.run(until=HOURS)
    return float(total.sum())


MEMORY_CHILD = """
import json, resource, sys
import numpy as np
sys.path.insert(0, {bench!r})
from bench_pooling import make_book, pool
mode = sys.argv[1]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rng = np.random.default_rng(0)
pool(make_book(1_000_000, rng), mode, rng)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"before": before / 1024, "peak": peak / 1024}}))
"""


def peak_memory(mode: str) -> dict[str, float]:
    """Peak RSS (MiB) of a fresh process pooling 10^6 customers over one month."""
    code = MEMORY_CHILD.format(bench=str(Path(__file__).parent))
    done = subprocess.run(
        [sys.executable, "-c", code, mode], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    n, rng = args.customers, np.random.default_rng(0)
    cells = n * HOURS

    out = np.empty((HOURS, n), dtype=np.float32)
    limit = cells / best_of(args.repeats, lambda: rng.standard_normal(out=out, dtype=np.float32))
    book = make_book(n, rng, groups=1)
    t_pc = best_of(args.repeats, lambda: pool(book, "per_customer", rng))
    per_customer = cells / t_pc
    print(f"N = {n:,} customers of 3 profiles, one month ({HOURS} h)")
    print(f"numpy float32 normals        : {limit / 1e6:8.1f} M/s (the limit)")
    print(
        f"per_customer                 : {per_customer / 1e6:8.1f} M customer-hours/s "
        f"= {per_customer / limit:.2f} x the limit (target >= 0.8)"
    )
    for groups in (1, 27):
        book = make_book(n, rng, groups=groups)
        held, cohorts = held_by_cohorts(book, rng)
        t_agg, t_gain = (
            best_of(args.repeats * 20, partial(pool, held, "cohort", rng, refs, cohorts))
            for refs in (0, 32)
        )
        where = f"{3 * groups} cohorts ({groups} billing group{'s' if groups > 1 else ''})"
        print(
            f"cohort, aggregate only       : {t_agg * 1e3:8.2f} ms "
            f"= {t_pc / t_agg:,.0f} x per_customer, {where} (target >= 300)"
        )
        print(
            f"cohort, with pooling gain    : {t_gain * 1e3:8.2f} ms "
            f"= {t_pc / t_gain:,.0f} x per_customer, {where} (target >= 10)"
        )

    n_naive = 1000
    t_naive = best_of(1, lambda: naive_simpy(n_naive, 0))
    naive = n_naive * HOURS / t_naive
    print(
        f"naive SimPy, N = {n_naive:,}      : {naive / 1e6:8.2f} M customer-hours/s; "
        f"per_customer = {per_customer / naive:,.0f} x (target >= 150)"
    )

    if not args.skip_memory:
        for mode in ("per_customer", "cohort"):
            mem = peak_memory(mode)
            print(
                f"peak RSS, 10^6 customers, {mode:<12}: {mem['peak']:6.0f} MiB "
                f"({mem['before']:.0f} MiB after imports; target <= 200)"
            )

    import iaas_sim as sim

    scenario = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml")
    sim.simulate(scenario)  # warm caches and imports
    seconds = best_of(3, lambda: sim.simulate(scenario))
    print(f"Cloudwatt 2014, one replication: {seconds:6.2f} s (target <= 1)")


if __name__ == "__main__":
    main()
