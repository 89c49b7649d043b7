"""What one replication costs, mechanism by mechanism: the measurements behind the resource
guard's bounds of time and memory (``iaas_sim.engine.guard``).

Each mechanism that scales is run at a small and a larger size in this one process (fastest
of ``--repeats`` wall times; peak memory traced by ``tracemalloc`` in one more run), and its
cost per unit is the slope between the sizes, or a double difference where two inputs vary
(customers x months: what a month costs and what signing costs cancel out). The machine is
shared and noisy, so every cost per unit is also given as a ratio to numpy's float32 normal
generator measured in the same run. Times are CPU seconds of this process (one thread: on an
idle machine, the wall time) (``draws/unit``: seconds per unit x draws per second).

    .venv/bin/python benchmarks/bench_guard_cost.py [--quick] [--repeats 3]

Mechanisms: the empty month; the hour loop of a month pooled per customer; customer-months
pooled ``per_customer``, ``cohort`` and ``auto``; admission of the customers arriving in one
month (initial customers all arrive in the first); web arrivals; segment-months; demand
classes (``per_customer``) and cohorts (``cohort``) per month; reference customers x classes
x months; partners alive x months (initial and recruited); dated events at load and at run
time (linear in their number since the scenarios in force carry no events; quadratic
before) and events x segments at load.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import math
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

import iaas_sim as sim
from iaas_sim.engine.world import World

ROOT = Path(__file__).resolve().parents[1]
VMS_PER_CUSTOMER = 4
"""TINY's customers run 4 VMs each; ``vms_per_server`` is 10."""


def tiny() -> dict[str, Any]:
    """A fresh copy of the tests' TINY scenario (10 customers x 4 always-on VMs, no noise)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.conftest import TINY

    return copy.deepcopy(TINY)


def add_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def scenario(
    months: int,
    *,
    customers: int = 0,
    mode: str = "auto",
    segments: int = 1,
    distinct_classes: bool = False,
    spread_groups: bool = False,
    reference: int = 32,
    potential: float = 0.0,
    servers: int | None = None,
    churn: float = 0.0,
    partners: int = 0,
    recruited: float = 0.0,
    events: int = 0,
) -> dict[str, Any]:
    """TINY over ``months`` with ``customers`` initial customers split evenly over
    ``segments`` (web only), ``potential`` web customers (Bass p = 1 a year, q = 0) in the
    first, and capacity for all of them at 40 % unless ``servers`` is given."""
    data = tiny()
    data["run"]["months"] = months
    base = data["segments"][0]
    base.update(initial_customers=0, churn_per_month=churn)
    rows = []
    for s in range(segments):
        seg = dict(base, name=f"s{s}", initial_customers=customers // segments)
        if s < customers % segments:
            seg["initial_customers"] += 1
        if distinct_classes:
            seg["usage_cv"] = 0.05 + 0.9 * s / max(segments, 1)
        if spread_groups:  # 3 SLA tiers x reserved or not: 6 billing groups
            seg["sla_mix"] = {"99.7": 0.4, "99.9": 0.3, "99.99": 0.3}
            seg["reserved_uptake"] = 0.5
        rows.append(seg)
    rows[0].update(potential_customers=potential, bass_p_per_year=1.0, bass_q_per_year=0.0)
    data["segments"] = rows
    data["capacity"]["initial_servers"] = max(
        1, int(customers + potential) if servers is None else servers
    )
    data["pooling"] = {"mode": mode, "reference_customers": reference}
    ptype = data["channels"]["partners"]["types"][0]
    ptype.update(
        initial_partners=partners,
        recruited_per_month=recruited,
        customers_per_active_partner_per_month=0.0,
    )
    start = dt.date.fromisoformat(str(data["run"]["start"]))
    data["events"] = [
        {
            "date": add_months(start, i % months).isoformat(),
            "name": f"e{i}",
            "set": {"pricing.vm_hour_price": 0.05 + 0.001 * (i % 7)},
        }
        for i in range(events)
    ]
    return data


def arrivals_at_once(n: float, share: float) -> dict[str, Any]:
    """``n`` customers arriving at hour 0 of a one-month run, with capacity for ``share``
    of them."""
    return scenario(1, customers=int(n), mode="cohort", servers=int(n * share))


@dataclass(frozen=True)
class Point:
    """One scenario measured: fastest wall times, traced peaks (bytes) and what it did."""

    label: str
    load_seconds: float
    seconds: float
    load_peak: float
    peak: float
    """Peak of the whole run (the first month's admission included)."""
    steady: float
    """Peak over the months after the first."""
    signed: float
    customer_months: float
    partner_months: float


@contextmanager
def month_peaks() -> Iterator[list[int]]:
    """Traced peak of each month (from the end of the last close to the end of this one)."""
    peaks: list[int] = []
    close = World._close

    def traced(self: World, m: int) -> dict[str, Any]:
        row = close(self, m)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.reset_peak()
        return row

    World._close = traced  # type: ignore[method-assign]
    try:
        yield peaks
    finally:
        World._close = close  # type: ignore[method-assign]


def fastest(repeats: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Least CPU time of ``repeats`` calls (this process's own: other work on a shared
    machine slows the wall clock, not this), and the last call's value."""
    best, out = math.inf, None
    for _ in range(repeats):
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
    return best, out


def measure(label: str, data: dict[str, Any], repeats: int, memory: bool = True) -> Point:
    """Load and simulate ``data``: the fastest of ``repeats`` wall times of each, then one
    more of each under ``tracemalloc`` for their peaks (skipped unless ``memory``)."""
    gc.collect()  # once: a full collection costs tens of milliseconds
    load_seconds, sc = fastest(repeats, lambda: sim.load_scenario(copy.deepcopy(data)))
    assert isinstance(sc, sim.Scenario)
    seconds, res = fastest(repeats, lambda: sim.simulate(sc, seed=1))
    assert isinstance(res, sim.Result)
    load_peak = peak = steady = math.nan
    if memory:
        fresh = copy.deepcopy(data)
        tracemalloc.start()
        sim.load_scenario(fresh)
        load_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        tracemalloc.start()
        with month_peaks() as peaks:
            sim.simulate(sc, seed=1)
        peak = max(tracemalloc.get_traced_memory()[1], *peaks)
        tracemalloc.stop()
        steady = max(peaks[1:], default=math.nan)
    monthly = res.monthly
    churned = float(monthly["churned_customers"].sum())
    return Point(
        label,
        load_seconds,
        seconds,
        load_peak,
        peak,
        steady,
        float(monthly["new_customers"].sum()),
        float(monthly["customers"].sum()) + churned,
        float(monthly["partners_recruited"].sum()),
    )


@dataclass(frozen=True)
class Row:
    mechanism: str
    unit: str
    seconds: float
    memory_unit: str
    bytes: float
    points: list[Point]


def slope(lo: float, hi: float, units_lo: float, units_hi: float) -> float:
    return (hi - lo) / (units_hi - units_lo)


def baseline(repeats: int) -> float:
    """numpy float32 standard normal draws per second (the limit of a per-customer core)."""
    rng = np.random.default_rng(0)
    n = 2**22
    seconds, _ = fastest(max(repeats, 3), lambda: rng.standard_normal(n, dtype=np.float32))
    return n / seconds


def simple(
    mechanism: str,
    unit: str,
    memory_unit: str,
    sizes: tuple[float, float],
    build: Callable[[float], dict[str, Any]],
    repeats: int,
    units: Callable[[Point, float], float] = lambda p, s: s,
    memory_units: Callable[[Point, float], float] | None = None,
    memory: Callable[[Point], float] = lambda p: p.steady,
) -> Row:
    """A mechanism whose cost grows with one size: the slope between its two sizes."""
    lo, hi = (measure(f"{mechanism} {s:g}", build(s), repeats) for s in sizes)
    u_lo, u_hi = units(lo, sizes[0]), units(hi, sizes[1])
    by = memory_units or units
    m_lo, m_hi = by(lo, sizes[0]), by(hi, sizes[1])
    return Row(
        mechanism,
        unit,
        slope(lo.seconds, hi.seconds, u_lo, u_hi),
        memory_unit,
        slope(memory(lo), memory(hi), m_lo, m_hi),
        [lo, hi],
    )


def customer_months(
    mode: str, sizes: tuple[int, int], months: tuple[int, int], repeats: int
) -> Row:
    """Seconds per customer-month by double difference over customers and months (what a
    month costs and what signing a customer costs cancel); bytes per customer alive from
    the peaks after the first month (whose admission peak is measured apart)."""
    pts = {
        (n, m): measure(f"{mode} {n} x {m} months", scenario(m, customers=n, mode=mode), repeats)
        for n in sizes
        for m in months
    }
    (n0, n1), (m0, m1) = sizes, months
    dt_big = pts[n1, m1].seconds - pts[n1, m0].seconds
    dt_small = pts[n0, m1].seconds - pts[n0, m0].seconds
    seconds = (dt_big - dt_small) / ((n1 - n0) * (m1 - m0))
    per_byte = slope(pts[n0, m1].steady, pts[n1, m1].steady, n0, n1)
    return Row(
        f"customers, {mode}", "customer-month", seconds, "customer", per_byte, list(pts.values())
    )


def events_rows(
    sizes: tuple[int, ...], months: int, segments: tuple[int, int], repeats: int
) -> tuple[list[Row], dict[str, float]]:
    """Dated events: load and run time per event and the exponents k between the two
    largest sizes (1: linear, 2: quadratic), memory per event; then the load time per
    event and segment (100 events)."""
    zero = measure("events 0", scenario(months, customers=10), repeats)
    heavy = 1000
    pts = [
        measure(
            f"events {n}",
            scenario(months, customers=10, events=n),
            1 if n >= heavy else repeats,
            memory=n < heavy,
        )
        for n in sizes
    ]
    a, b = pts[-2], pts[-1]
    log_n = math.log(sizes[-1] / sizes[-2])
    notes = {
        "events load exponent k": math.log(
            (b.load_seconds - zero.load_seconds) / (a.load_seconds - zero.load_seconds)
        )
        / log_n,
        "events run exponent k": math.log((b.seconds - zero.seconds) / (a.seconds - zero.seconds))
        / log_n,
    }
    n_big = sizes[-1]
    n_mem, p_mem = [(n, p) for n, p in zip(sizes, pts, strict=True) if n < heavy][-1]
    rows = [
        Row(
            "events, load (compute_timeline)",
            "event",
            (b.load_seconds - zero.load_seconds) / n_big,
            "event",
            (p_mem.load_peak - zero.load_peak) / n_mem,
            [zero, *pts],
        ),
        Row(
            "events, run (timeline again, set_scenario)",
            "event",
            (b.seconds - zero.seconds) / n_big,
            "event",
            (p_mem.peak - zero.peak) / n_mem,
            [],
        ),
    ]
    n_events = 100
    lo, hi = (
        measure(
            f"{n_events} events x {s} segments",
            scenario(months, customers=10, segments=s, events=n_events),
            repeats,
        )
        for s in segments
    )
    units = (n_events * segments[0], n_events * segments[1])
    rows.append(
        Row(
            f"events x segments, load ({n_events} events)",
            "event-segment",
            slope(lo.load_seconds, hi.load_seconds, *units),
            "event-segment",
            slope(lo.load_peak, hi.load_peak, *units),
            [lo, hi],
        )
    )
    return rows, notes


@dataclass(frozen=True)
class Sizes:
    """The sizes of every mechanism (``QUICK`` or ``FULL``)."""

    base_months: tuple[int, int]
    loop_months: int
    per_customer: tuple[int, int]
    per_customer_months: tuple[int, int]
    cohort: tuple[int, int]
    cohort_months: tuple[int, int]
    admitted: tuple[int, int]
    web: tuple[int, int]
    web_months: int
    segment_months: int
    class_months: int
    references: tuple[int, int]
    reference_months: int
    initial_partners: tuple[int, int]
    recruited: tuple[int, int]
    partner_months: int
    events: tuple[int, ...]
    event_months: int
    event_segments: tuple[int, int]


QUICK = Sizes(
    (12, 120), 24, (500, 3000), (2, 5), (1000, 20_000), (3, 18), (5000, 30_000),
    (5000, 30_000), 12, 12, 6, (0, 1000), 2, (0, 200_000), (0, 3000), 60,
    (10, 100, 200), 24, (1, 50),
)  # fmt: skip
FULL = Sizes(
    (60, 600), 120, (1000, 20_000), (3, 12), (1000, 200_000), (6, 60), (20_000, 200_000),
    (20_000, 200_000), 24, 60, 24, (0, 5000), 6, (0, 1_000_000), (0, 5000), 60,
    (10, 100, 200), 120, (1, 100),
)  # fmt: skip


def run_all(z: Sizes, repeats: int) -> tuple[float, list[Row], dict[str, float]]:
    draws = baseline(repeats)
    sim.simulate(sim.load_scenario(tiny()), seed=1)  # imports and first-call costs
    rows: list[Row] = []
    base = simple(
        "base (no customer)",
        "month",
        "month",
        z.base_months,
        lambda m: scenario(int(m)),
        repeats,
        memory=lambda p: p.peak,
    )
    rows.append(base)
    first, months = base.points[0], z.base_months[0]
    notes = {
        "base fixed seconds": first.seconds - base.seconds * months,
        "base fixed bytes": first.peak - base.bytes * months,
    }
    rows.append(
        simple(
            "per_customer hour loop (1 chunk)",
            "chunk-month",
            "-",
            (0, 1),
            lambda n: scenario(z.loop_months, customers=int(n), mode="per_customer"),
            repeats,
            units=lambda p, n: n * z.loop_months,
            memory=lambda p: math.nan,
        )
    )
    rows.append(customer_months("per_customer", z.per_customer, z.per_customer_months, repeats))
    rows.append(customer_months("cohort", z.cohort, z.cohort_months, repeats))
    rows.append(customer_months("auto", z.cohort, z.cohort_months, repeats))
    for what, share in (("all admitted", 1.0), ("half refused", 0.2)):
        rows.append(
            simple(
                f"admission, one month's arrivals ({what})",
                "arrival",
                "arrival",
                z.admitted,
                partial(arrivals_at_once, share=share),
                repeats,
                memory=lambda p: p.peak,
            )
        )
    rows.append(
        simple(
            f"web arrivals, auto ({z.web_months} months)",
            "customer signed",
            "customer signed",
            z.web,
            lambda n: scenario(z.web_months, potential=n),
            repeats,
            units=lambda p, n: p.signed,
            memory=lambda p: p.peak,
        )
    )
    rows.append(
        simple(
            "segments (200 customers in all)",
            "segment-month",
            "segment",
            (1, 100),
            lambda s: scenario(z.segment_months, customers=200, segments=int(s)),
            repeats,
            units=lambda p, s: s * z.segment_months,
            memory_units=lambda p, s: s,
        )
    )
    rows.append(
        simple(
            "demand classes, per_customer (50 segments)",
            "class-month",
            "class",
            (1, 50),
            lambda c: scenario(
                z.class_months,
                customers=200,
                segments=50,
                mode="per_customer",
                distinct_classes=c > 1,
            ),
            repeats,
            units=lambda p, c: c * z.class_months,
            memory_units=lambda p, c: c,
        )
    )
    rows.append(
        simple(
            "cohorts, cohort mode (no reference customers)",
            "cohort-month",
            "cohort",
            (6, 300),
            lambda k: scenario(
                z.class_months,
                customers=3000,
                segments=50,
                mode="cohort",
                reference=0,
                distinct_classes=k > 6,
                spread_groups=True,
            ),
            repeats,
            units=lambda p, k: k * z.class_months,
            memory_units=lambda p, k: k,
        )
    )
    classes = 2
    rows.append(
        simple(
            f"reference customers x {classes} classes, cohort",
            "ref-customer-class-month",
            "ref customer",
            z.references,
            lambda r: scenario(
                z.reference_months,
                customers=400,
                segments=classes,
                mode="cohort",
                reference=int(r),
                distinct_classes=True,
            ),
            repeats,
            units=lambda p, r: r * classes * z.reference_months,
            memory_units=lambda p, r: r,
        )
    )
    rows.append(
        simple(
            "partners, initial",
            "partner-month",
            "partner",
            z.initial_partners,
            lambda n: scenario(z.partner_months, customers=10, partners=int(n)),
            repeats,
            units=lambda p, n: n * z.partner_months,
            memory_units=lambda p, n: n,
        )
    )
    rows.append(
        simple(
            "partners, recruited",
            "partner-month",
            "partner",
            z.recruited,
            lambda r: scenario(z.partner_months, customers=10, recruited=r),
            repeats,
            units=lambda p, r: p.partner_months,
            memory_units=lambda p, r: r * z.partner_months,
        )
    )
    event_rows, event_notes = events_rows(z.events, z.event_months, z.event_segments, repeats)
    rows.extend(event_rows)
    notes.update(event_notes)
    return draws, rows, notes


def show(draws: float, rows: list[Row], notes: dict[str, float]) -> None:
    print(f"baseline: numpy float32 standard normal draws: {draws:.3g} per second")
    print(
        f"{'mechanism':<48} {'time unit':<24} {'s/unit':>9} {'draws/unit':>10} "
        f"{'memory unit':<15} {'bytes/unit':>10}"
    )
    for r in rows:
        print(
            f"{r.mechanism:<48} {r.unit:<24} {r.seconds:>9.3g} {r.seconds * draws:>10.3g} "
            f"{r.memory_unit:<15} {r.bytes:>10.4g}"
        )
    for name, value in notes.items():
        print(f"{name}: {value:.4g}")
    print()
    print(
        f"{'point':<46} {'load s':>8} {'run s':>8} {'load MiB':>9} {'peak MiB':>9} "
        f"{'steady MiB':>10} {'signed':>9} {'cust-months':>11} {'partner-mo':>11}"
    )
    mib = 2.0**20
    for r in rows:
        for p in r.points:
            print(
                f"{p.label:<46} {p.load_seconds:>8.3f} {p.seconds:>8.3f} "
                f"{p.load_peak / mib:>9.1f} {p.peak / mib:>9.1f} {p.steady / mib:>10.1f} "
                f"{p.signed:>9.0f} {p.customer_months:>11.0f} {p.partner_months:>11.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 30 s)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per point (fastest kept)")
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick else 3)
    start = time.perf_counter()
    draws, rows, notes = run_all(QUICK if args.quick else FULL, repeats)
    show(draws, rows, notes)
    show_shipped(repeats)
    print(f"\n{time.perf_counter() - start:.0f} s in all")


def show_shipped(repeats: int) -> None:
    """The guard's bounds against the shipped scenarios' runs: customers signed and CPU
    seconds (a ratio above 1: the guard is on the safe side)."""
    import iaas_sim as sim
    from iaas_sim.engine.guard import estimate

    root = Path(__file__).resolve().parents[1]
    print(f"\n{'shipped scenario':<24} {'customers bound/signed':>24} {'seconds bound/CPU':>20}")
    for path in sorted((root / "scenarios").glob("*.toml")):
        sc = sim.load_scenario(path)
        found = estimate(sc)
        best = math.inf
        for _ in range(repeats):
            begin = time.process_time()
            res = sim.simulate(sc)
            best = min(best, time.process_time() - begin)
        signed = sum(s.initial_customers for s in sc.segments) + res.monthly["new_customers"].sum()
        print(f"{path.stem:<24} {found.customers / signed:>24.2f} {found.seconds / best:>20.1f}")


if __name__ == "__main__":
    main()
