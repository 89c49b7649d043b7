"""Pooling inside whole runs: the two modes give the same business, a common shock makes
the aggregate swing, and the mode used is reported month by month."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from tests.conftest import ROOT, tiny

METRICS = ("total_revenue", "mean_utilisation", "pooling_gain")


@pytest.mark.slow  # about 10 s: ten full runs, five per customer
def test_per_customer_and_cohort_runs_agree() -> None:
    """The minimal scenario (up to 2,461 customers) with 5 seeds in each mode: the paired
    differences of revenue, utilisation and pooling gain are within four standard errors
    of zero (arrivals are the same in both; only the hourly fluctuation differs)."""
    sc = sim.load_scenario(ROOT / "scenarios/minimal.toml")
    runs = {
        mode: [sim.simulate(sc.override({"pooling.mode": mode}), seed=s) for s in range(5)]
        for mode in ("per_customer", "cohort")
    }
    for metric in METRICS:
        a = np.array([r.metrics[metric] for r in runs["per_customer"]])
        b = np.array([r.metrics[metric] for r in runs["cohort"]])
        diff = a - b
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        assert abs(diff.mean()) <= 4 * se + 1e-9 * abs(a.mean()), (metric, a, b)
    modes = runs["cohort"][0].monthly["pooling_mode"]
    assert set(modes[runs["cohort"][0].monthly["customers"] > 0]) == {"cohort"}


def test_auto_pools_small_months_per_customer_and_large_ones_by_cohort() -> None:
    res = sim.simulate(sim.load_scenario(ROOT / "scenarios/minimal.toml"))
    m = res.monthly
    live = m[m["vms_avg"] > 0]
    small = live["customers"] + live["churned_customers"] <= 250
    assert set(live.loc[small, "pooling_mode"]) <= {"per_customer"}
    assert set(live["pooling_mode"]) == {"per_customer", "cohort"}


@pytest.mark.parametrize("mode", ["per_customer", "cohort"])
def test_a_common_shock_makes_the_aggregate_swing(mode: str) -> None:
    """1,000 always-on customers with cv 0.1: alone, the aggregate's peak hour is about
    1 % above its mean; with correlation 0.5 about 0.1 sqrt(0.5) x 3 = 21 %."""

    def peak_over_mean(rho: float) -> float:
        sc = tiny(
            **{
                "segments[0].initial_customers": 1000,
                "segments[0].usage_cv": 0.1,
                "pooling.mode": mode,
                "pooling.correlation": rho,
                "pooling.common_autocorrelation": 0.5,
                "capacity.initial_servers": 10_000,
            }
        )
        m = sim.simulate(sc, seed=3).monthly
        return float((m["vms_peak"] / m["vms_avg"]).mean())

    alone, together = peak_over_mean(0.0), peak_over_mean(0.5)
    assert alone < 1.03
    assert 1.12 < together < 1.35
