"""Pooling against analytic truths: the sqrt(N) law, AR(1) statistics, capacity limits."""

from __future__ import annotations

import numpy as np
import pytest

from iaas_sim.core.pooling import Book, compute_ar1, compute_month_pool

FLAT = np.ones((1, 168))


def book(n: int, cv: float, phi: float, rng: np.random.Generator, vms: float = 1.0) -> Book:
    return Book(
        vms=np.full(n, vms),
        profile=np.zeros(n, dtype=np.int64),
        cv=np.full(n, cv),
        phi=np.full(n, phi),
        state=rng.standard_normal(n),
        start=np.zeros(n, dtype=np.int64),
        end=np.full(n, 10**9, dtype=np.int64),
        group=np.zeros(n, dtype=np.int64),
    )


def hourly_demand(n: int, cv: float, phi: float, months: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    b = book(n, cv, phi, rng)
    series = []
    for k in range(months):
        pool = compute_month_pool(b, 720 * k, np.full(720, 1e12), 0, FLAT, 1, rng)
        series.append(pool.demand)
        b = Book(**{**b.__dict__, "state": pool.new_state})
    return np.concatenate(series)


@pytest.mark.parametrize("n", [1, 4, 16, 64, 256, 1024, 4096])
def test_aggregate_cv_falls_like_one_over_sqrt_n(n: int) -> None:
    cv = 0.1  # small enough that max(0, 1 + cv x) never clips
    demand = hourly_demand(n, cv, phi=0.0, months=4, seed=n)
    estimate = demand.std(ddof=1) / demand.mean()
    # Independent hours: the sample CV's relative standard error is about 1/sqrt(2H).
    se = cv / np.sqrt(n) / np.sqrt(2 * len(demand))
    assert estimate == pytest.approx(cv / np.sqrt(n), abs=4 * se)


def test_aggregate_of_n_customers_keeps_the_ar1_autocorrelation() -> None:
    demand = hourly_demand(200, 0.2, phi=0.8, months=6, seed=1)
    x = demand - demand.mean()
    lag1 = float(np.dot(x[:-1], x[1:]) / np.dot(x, x))
    # Bartlett: the lag-1 estimate of an AR(1) has sd sqrt((1 - phi^2) / H).
    assert lag1 == pytest.approx(0.8, abs=4 * np.sqrt((1 - 0.64) / len(x)))


def test_ar1_is_stationary_with_unit_variance() -> None:
    rng = np.random.default_rng(2)
    state = rng.standard_normal(4000)
    x = compute_ar1(rng.standard_normal((4000, 500)), 0.9, state)
    # Each column is 4,000 independent N(0, 1) draws.
    for col in (0, 250, 499):
        assert x[:, col].var() == pytest.approx(1.0, abs=4 * np.sqrt(2 / 4000))
    corr = np.corrcoef(state, x[:, 0])[0, 1]
    assert corr == pytest.approx(0.9, abs=4 * (1 - 0.81) / np.sqrt(4000))


def test_state_carries_over_month_boundaries() -> None:
    rng = np.random.default_rng(3)
    b = book(5000, 0.2, 0.95, rng)
    first = compute_month_pool(b, 0, np.full(24, 1e9), 0, FLAT, 1, rng)
    assert np.array_equal(first.new_state.shape, (5000,))
    # Next month's first hour correlates with this month's last hour by phi.
    b2 = Book(**{**b.__dict__, "state": first.new_state})
    x = compute_ar1(rng.standard_normal((5000, 1)), 0.95, b2.state)[:, 0]
    assert np.corrcoef(first.new_state, x)[0, 1] == pytest.approx(0.95, abs=0.01)


def test_served_never_exceeds_capacity_and_overflow_is_unserved() -> None:
    rng = np.random.default_rng(4)
    b = book(300, 0.5, 0.7, rng)
    capacity = np.full(720, 300.0)
    pool = compute_month_pool(b, 0, capacity, 0, FLAT, 1, rng)
    served = np.minimum(pool.demand, capacity)
    assert pool.served_vm_hours == pytest.approx(served.sum())
    assert pool.unserved_vm_hours == pytest.approx(np.maximum(pool.demand - capacity, 0).sum())
    assert pool.unserved_vm_hours > 0
    assert pool.served_by_group.sum() == pytest.approx(pool.served_vm_hours)
    assert pool.utilisation_peak == pytest.approx(1.0)


def test_pooling_gain_is_sum_of_peaks_over_peak_of_sum() -> None:
    rng = np.random.default_rng(5)
    pool = compute_month_pool(book(1000, 0.3, 0.5, rng), 0, np.full(720, 1e9), 0, FLAT, 1, rng)
    gain = pool.individual_peak_sum / pool.peak_demand
    # Each customer peaks near 1 + 0.3 z_max; the sum stays near its mean of 1,000.
    assert 1.5 < gain < 2.2


def test_groups_add_up_and_inactive_hours_are_zero() -> None:
    rng = np.random.default_rng(6)
    b = book(6, 0.0, 0.5, rng, vms=2.0)
    b = Book(
        **{
            **b.__dict__,
            "start": np.array([0, 0, 100, 100, 300, 300]),
            "end": np.array([720, 50, 720, 200, 720, 10**9]),
            "group": np.array([0, 1, 1, 2, 2, 2]),
        }
    )
    pool = compute_month_pool(b, 0, np.full(720, 1e9), 0, FLAT, 3, rng)
    hours = np.array([720, 50, 620, 100, 420, 420])
    np.testing.assert_allclose(
        pool.demand_by_group, [2 * 720, 2 * (50 + 620), 2 * (100 + 420 + 420)]
    )
    assert pool.served_vm_hours == pytest.approx(2 * hours.sum())


@pytest.mark.parametrize("cv", [0.5, 1.0, 2.0])
def test_cutting_negative_use_at_zero_keeps_the_mean(cv: float) -> None:
    rng = np.random.default_rng(7)
    pool = compute_month_pool(
        book(2000, cv, 0.0, rng, vms=3.0), 0, np.full(720, 1e12), 0, FLAT, 1, rng
    )
    mean = pool.demand.mean()
    # 2000 x 720 independent draws of a variable with sd about 3 cv.
    se = 3.0 * cv * 1.5 / np.sqrt(2000 * 720)
    assert mean / 2000 == pytest.approx(3.0, abs=5 * se)
