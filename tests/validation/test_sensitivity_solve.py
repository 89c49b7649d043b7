"""Sensitivity and goal seeking against analytic truths: with ample capacity, revenue is
exactly proportional to the price and does not depend on marketing spend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.experiments.sensitivity import sensitivity
from iaas_sim.experiments.solve import solve
from tests.conftest import tiny

GROWING = {
    "segments[0].potential_customers": 800.0,
    "segments[0].usage_cv": 0.3,
    "run.months": 12,
    "costs.marketing_per_month": 1000.0,
}
RANGES = {"pricing.vm_hour_price": (0.02, 0.06), "costs.marketing_per_month": (0.0, 5000.0)}


def test_tornado_swings_are_the_hand_computed_ones() -> None:
    sc = tiny(**GROWING)
    table = sensitivity(sc, RANGES, metrics=["total_revenue", "npv"], n_replications=2, n_jobs=1)
    rev = table[table["metric"] == "total_revenue"].set_index("param")
    base = rev.loc["pricing.vm_hour_price", "base"]
    # Revenue per unit of price, at the scenario's price of 0.05.
    assert rev.loc["pricing.vm_hour_price", "swing"] == pytest.approx(base / 0.05 * 0.04)
    assert rev.loc["costs.marketing_per_month", "swing"] == 0.0
    npv = table[table["metric"] == "npv"].set_index("param")
    # Marketing: 5,000 more a month, each month's cash discounted from its end at 10 % a
    # year.
    expected = -5000.0 * np.sum(1.10 ** -((np.arange(12) + 1) / 12))
    assert npv.loc["costs.marketing_per_month", "swing"] == pytest.approx(expected, rel=1e-9)
    # Sorted by the size of the swing, per metric.
    assert list(table["metric"]) == sorted(table["metric"])


@pytest.mark.slow  # about 20 s: Saltelli samples of two inputs
def test_sobol_indices_put_all_of_revenue_on_the_price() -> None:
    table = sensitivity(
        tiny(**GROWING), RANGES, metrics=["total_revenue"], method="sobol", n_samples=64, n_jobs=2
    )
    idx = table.set_index("param")
    price = idx.loc["pricing.vm_hour_price"]
    # SALib's *_conf are 95 % bootstrap half-widths (about two standard errors).
    assert price["ST"] == pytest.approx(1.0, abs=2 * price["ST_conf"])
    assert price["S1"] == pytest.approx(1.0, abs=2 * price["S1_conf"])
    assert idx.loc["costs.marketing_per_month", "ST"] == pytest.approx(0.0, abs=1e-9)


def test_morris_finds_no_effect_of_marketing_on_revenue() -> None:
    table = sensitivity(
        tiny(**GROWING), RANGES, metrics=["total_revenue"], method="morris", n_samples=6, n_jobs=1
    )
    idx = table.set_index("param")
    assert idx.loc["costs.marketing_per_month", "mu_star"] == 0.0
    assert idx.loc["pricing.vm_hour_price", "mu_star"] > 0.0


def test_solve_finds_the_price_for_a_revenue() -> None:
    sc = tiny(**GROWING)
    at_5c = sim.simulate(sc).metrics["total_revenue"]  # one replication, the run's seed
    found = solve(
        sc,
        "pricing.vm_hour_price",
        f"total_revenue >= {2 * at_5c}",
        between=(0.02, 0.5),
        n_replications=1,
        seed=None,
        n_jobs=1,
        xtol=1e-9,
    )
    # Revenue is proportional to the price: twice the revenue at twice the price. The
    # replication's seed is the first child of run.seed, not run.seed: compare to it.
    seed0 = np.random.SeedSequence(sc.run.seed).spawn(1)[0]
    per_price = sim.simulate(sc, seed=seed0).metrics["total_revenue"] / 0.05
    assert found.value == pytest.approx(2 * at_5c / per_price, rel=1e-6)
    assert found.meets_above
    assert isinstance(found.evaluations, pd.DataFrame)


def test_solve_says_when_the_target_is_not_crossed() -> None:
    with pytest.raises(ValueError, match="not crossed between"):
        solve(
            tiny(**GROWING),
            "pricing.vm_hour_price",
            "total_revenue >= 1e12",
            between=(0.02, 0.06),
            n_replications=1,
            n_jobs=1,
        )


@pytest.mark.slow  # about 15 s: starts a local Dask cluster
def test_dask_and_local_executors_give_identical_tables() -> None:
    pytest.importorskip("distributed")
    sc = tiny(**{**GROWING, "segments[0].churn_per_month": 0.02})
    local = sim.monte_carlo(sc, n_replications=12, seed=5, n_jobs=2)
    dask = sim.monte_carlo(sc, n_replications=12, seed=5, scheduler="local:2")
    pd.testing.assert_frame_equal(local.metrics, dask.metrics)
    pd.testing.assert_frame_equal(local.bands, dask.bands)
    grid = {"pricing.vm_hour_price": [0.03, 0.05]}
    pd.testing.assert_frame_equal(
        sim.sweep(sc, grid, n_replications=3, seed=2, n_jobs=1),
        sim.sweep(sc, grid, n_replications=3, seed=2, scheduler="local:2"),
    )


def test_solve_searches_a_default_range_and_reports_months() -> None:
    sc = tiny(**GROWING)
    found = sim.solve(sc, "pricing.vm_hour_price", "total_revenue >= 2e5", n_replications=1)
    assert 0.05 / 4 <= found.value <= 0.05 * 4
    months = sim.solve(
        sc,
        "pricing.vm_hour_price",
        "payback_month <= 2024-12",
        between=(0.01, 5.0),
        n_replications=1,
    )
    assert months.achieved_label == "never" or months.achieved_label.startswith("2024-")
