"""Pooling against analytic truths: the sqrt(N) law, the correlated floor, AR(1) statistics
within and across months, arrivals and departures, capacity limits. Every test runs in
both modes: they must give the same statistics."""

from __future__ import annotations

import numpy as np
import pytest

from iaas_sim.core.ar1 import compute_affine_scan, compute_ar1
from iaas_sim.core.pooling import Settings, choose_mode
from tests.validation.pooling_setup import (
    FLAT,
    HOURS,
    expected_demand,
    make_book,
    one_class,
    run_months,
)

MODES = ["per_customer", "cohort"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [1, 10, 100, 1000, 10_000])
def test_aggregate_cv_falls_like_one_over_sqrt_n(mode: str, n: int) -> None:
    if mode == "per_customer" and n > 1000:
        pytest.skip("per customer: covered up to 1,000")
    rng = np.random.default_rng(n)
    cv = 0.3
    pools = run_months(make_book(n, rng), one_class(cv, 0.0), [mode] * 2, rng)
    demand = np.concatenate([p.demand for p in pools])
    estimate = demand.std(ddof=1) / demand.mean()
    # Independent hours: the sample CV's standard error is about CV / sqrt(2 H).
    truth = cv / np.sqrt(n)
    assert estimate == pytest.approx(truth, abs=4 * truth / np.sqrt(2 * len(demand)))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [10, 100, 10_000, 1_000_000])
def test_correlated_customers_tend_to_the_floor(mode: str, n: int) -> None:
    if mode == "per_customer" and n > 10_000:
        pytest.skip("per customer: covered up to 10,000")
    rng = np.random.default_rng(10 + n)
    cv, rho, common_phi = 0.3, 0.2, 0.5
    months = 6 if n < 1_000_000 else 3
    pools = run_months(
        make_book(n, rng),
        one_class(cv, 0.0),
        [mode] * months,
        rng,
        correlation=rho,
        common_phi=common_phi,
    )
    demand = np.concatenate([p.demand for p in pools])
    estimate = demand.std(ddof=1) / demand.mean()
    truth = cv * np.sqrt(rho + (1 - rho) / n)
    # The common part is AR(1): fewer effectively independent hours.
    inflation = (1 + common_phi**2) / (1 - common_phi**2)
    assert estimate == pytest.approx(truth, abs=4 * truth * np.sqrt(inflation / (2 * len(demand))))
    if n == 1_000_000:
        assert estimate == pytest.approx(cv * np.sqrt(rho), rel=0.1)


@pytest.mark.parametrize("mode", MODES)
def test_aggregate_keeps_the_ar1_autocorrelation(mode: str) -> None:
    rng = np.random.default_rng(1)
    pools = run_months(make_book(200, rng), one_class(0.2, 0.8), [mode] * 6, rng)
    x = np.concatenate([p.demand for p in pools])
    x = x - x.mean()
    lag1 = float(np.dot(x[:-1], x[1:]) / np.dot(x, x))
    # Bartlett: the lag-1 estimate of an AR(1) has sd sqrt((1 - phi^2) / H).
    assert lag1 == pytest.approx(0.8, abs=4 * np.sqrt((1 - 0.64) / len(x)))


@pytest.mark.parametrize("modes", [MODES[::-1], MODES, ["cohort", "cohort"], MODES[:1] * 2])
def test_state_carries_over_month_boundaries_whatever_the_modes(modes: list[str]) -> None:
    """Across 300 books, the last hour of a month and the first of the next correlate by
    phi, also when the mode changes between them."""
    phi, reps = 0.95, 300
    last, first = np.empty(reps), np.empty(reps)
    for r in range(reps):
        rng = np.random.default_rng(100 + r)
        pools = run_months(make_book(60, rng), one_class(0.3, phi), modes, rng, hours=24)
        last[r], first[r] = pools[0].demand[-1], pools[1].demand[0]
    corr = np.corrcoef(last, first)[0, 1]
    assert corr == pytest.approx(phi, abs=4 * (1 - phi**2) / np.sqrt(reps))


@pytest.mark.parametrize("mode", MODES)
def test_arrivals_and_departures_keep_variance_and_lag1_covariance_exact(mode: str) -> None:
    """With customers coming and going hour by hour, the demand at each hour has variance
    cv^2 sum(v^2) over those present, and consecutive hours covary by phi cv^2 sum(v^2)
    over those present at both (across 400 books with the same comings and goings)."""
    n, cv, phi, hours, reps = 60, 0.4, 0.8, 96, 400
    rng0 = np.random.default_rng(7)
    start = rng0.integers(-hours, hours, n)
    end = start + rng0.integers(1, 2 * hours, n)
    vms = rng0.integers(1, 6, n).astype(float)
    demand = np.empty((reps, hours))
    for r in range(reps):
        rng = np.random.default_rng(1000 + r)
        book = make_book(n, rng, vms=vms, start=start, end=end)
        demand[r] = run_months(book, one_class(cv, phi), [mode], rng, hours=hours)[0].demand
    t = np.arange(hours)
    on = (t >= start[:, None]) & (t < end[:, None])
    w = (cv * vms) ** 2
    var_truth = w @ on
    cov_truth = phi * (w @ (on[:, 1:] & on[:, :-1]))
    x = demand - demand.mean(axis=0)
    var = (x * x).sum(axis=0) / (reps - 1)
    cov = (x[:, 1:] * x[:, :-1]).sum(axis=0) / (reps - 1)
    live, both = var_truth > 0, cov_truth > 0
    ratio_var = float(np.mean(var[live] / var_truth[live]))
    ratio_cov = float(np.mean(cov[both] / cov_truth[both]))
    # Per hour, a variance estimate from ``reps`` books has relative sd sqrt(2 / reps), a
    # lag-1 covariance sqrt((1 + phi^2) / phi^2 / reps); neighbouring hours' estimates are
    # correlated, which divides the hours by (1 + phi^2) / (1 - phi^2).
    hours_eff = (1 - phi**2) / (1 + phi**2)
    se_var = np.sqrt(2 / reps) / np.sqrt(live.sum() * hours_eff)
    se_cov = np.sqrt((1 + phi**2) / phi**2 / reps) / np.sqrt(both.sum() * hours_eff)
    assert ratio_var == pytest.approx(1.0, abs=4 * se_var)
    assert ratio_cov == pytest.approx(1.0, abs=4 * se_cov)
    assert np.all(demand[:, ~live] == 0)


@pytest.mark.parametrize("mode", MODES)
def test_groups_add_up_and_inactive_hours_are_zero(mode: str) -> None:
    rng = np.random.default_rng(6)
    book = make_book(
        6,
        rng,
        vms=2.0,
        start=np.array([0, 0, 100, 100, 300, 300]),
        end=np.array([720, 50, 720, 200, 720, 10**9]),
        group=np.array([0, 1, 1, 2, 2, 2]),
    )
    pool = run_months(book, one_class(0.0, 0.5), [mode], rng, n_groups=3)[0]
    hours = np.array([720, 50, 620, 100, 420, 420])
    np.testing.assert_allclose(
        pool.demand_by_group, [2 * 720, 2 * (50 + 620), 2 * (100 + 420 + 420)]
    )
    assert pool.served_vm_hours == pytest.approx(2 * hours.sum())
    # Without fluctuation every customer peaks at its size.
    assert pool.individual_peak_sum == pytest.approx(12.0)


@pytest.mark.parametrize("mode", MODES)
def test_served_never_exceeds_capacity_and_overflow_is_unserved(mode: str) -> None:
    rng = np.random.default_rng(4)
    pool = run_months(make_book(300, rng), one_class(0.5, 0.7), [mode], rng, capacity=300.0)[0]
    capacity = np.full(HOURS, 300.0)
    served = np.minimum(pool.demand, capacity)
    assert pool.served_vm_hours == pytest.approx(served.sum())
    assert pool.unserved_vm_hours == pytest.approx(np.maximum(pool.demand - capacity, 0).sum())
    assert pool.unserved_vm_hours > 0
    assert pool.served_by_group.sum() == pytest.approx(pool.served_vm_hours)
    assert pool.utilisation_peak == pytest.approx(1.0)


@pytest.mark.parametrize("mode", MODES)
def test_mean_demand_is_the_profile_times_the_vms(mode: str) -> None:
    """No clipping at the customer level: the mean is exactly v s(t), even for cv = 1."""
    rng = np.random.default_rng(7)
    cv, n = 1.0, 2000
    pool = run_months(make_book(n, rng, vms=3.0), one_class(cv, 0.0), [mode], rng)[0]
    se = 3.0 * cv * np.sqrt(n) / np.sqrt(HOURS)
    assert pool.demand.mean() == pytest.approx(3.0 * n, abs=4 * se)


def test_auto_pools_small_books_per_customer_and_large_ones_by_cohort() -> None:
    rules = Settings(auto_max_customers=250)
    assert choose_mode(rules, 250) == "per_customer"
    assert choose_mode(rules, 251) == "cohort"
    assert choose_mode(Settings(mode="cohort"), 1) == "cohort"


def test_ar1_is_stationary_with_unit_variance() -> None:
    rng = np.random.default_rng(2)
    state = rng.standard_normal(4000)
    x = compute_ar1(rng.standard_normal((4000, 500)), 0.9, state)
    for col in (0, 250, 499):
        assert x[:, col].var() == pytest.approx(1.0, abs=4 * np.sqrt(2 / 4000))
    corr = np.corrcoef(state, x[:, 0])[0, 1]
    assert corr == pytest.approx(0.9, abs=4 * (1 - 0.81) / np.sqrt(4000))


def test_affine_scan_matches_the_loop() -> None:
    rng = np.random.default_rng(3)
    alpha = rng.uniform(0, 1, (5, 777))
    alpha[2, 300] = 0.0  # a cohort left empty for an hour
    u = rng.standard_normal((5, 777))
    x0 = rng.standard_normal(5)
    want = np.empty_like(u)
    prev = x0
    for k in range(u.shape[1]):
        prev = alpha[:, k] * prev + u[:, k]
        want[:, k] = prev
    np.testing.assert_allclose(compute_affine_scan(alpha, u, x0), want, rtol=1e-12, atol=1e-12)


def test_expected_demand_helper_counts_active_hours() -> None:
    rng = np.random.default_rng(0)
    book = make_book(2, rng, vms=2.0, start=np.array([0, 5]), end=np.array([3, 8]))
    np.testing.assert_allclose(
        expected_demand(book, one_class(0, 0), FLAT, 10), [2, 2, 2, 0, 0, 2, 2, 2, 0, 0]
    )


@pytest.mark.parametrize("mode", MODES)
def test_customers_changing_cohort_take_their_share_of_the_fluctuation(mode: str) -> None:
    """15 of 40 customers move from billing group 0 to group 1 between two one-hour
    months (a partner's promotion): across 3,000 books, group 1's first hour has variance
    cv^2 sum(v^2) over the movers and covaries by phi cv^2 sum(v^2) with group 0's last."""
    from dataclasses import replace

    from iaas_sim.core.pooling import sample_month_pool

    n, cv, phi, reps = 40, 0.4, 0.7, 3000
    vms = np.arange(1, n + 1, dtype=float) % 5 + 1
    movers = np.arange(n) < 15
    classes = one_class(cv, phi)
    before, after = np.empty(reps), np.empty(reps)
    for r in range(reps):
        rng = np.random.default_rng(r)
        book = make_book(n, rng, vms=vms)
        first = sample_month_pool(
            book, classes, 0, np.full(1, 1e9), 0, FLAT, 2, rng, settings=Settings(mode=mode)
        )
        moved = replace(
            book,
            state=first.new_state,
            held=np.full(n, -1) if first.held is None else first.held,
            group=np.where(movers, 1, 0),
        )
        second = sample_month_pool(
            moved,
            classes,
            1,
            np.full(1, 1e9),
            0,
            FLAT,
            2,
            rng,
            settings=Settings(mode=mode),
            cohorts=first.cohorts,
        )
        before[r], after[r] = first.demand_by_group[0], second.demand_by_group[1]
    w = float(np.sum((cv * vms[movers]) ** 2))
    var = after.var(ddof=1)
    cov = np.cov(before, after)[0, 1]
    assert var / w == pytest.approx(1.0, abs=4 * np.sqrt(2 / reps))
    # Cov estimate: sd about sqrt(Var(before) Var(after) (1 + r^2) / reps).
    w_all = float(np.sum((cv * vms) ** 2))
    r = phi * w / np.sqrt(w * w_all)
    assert cov / (phi * w) == pytest.approx(
        1.0, abs=4 * np.sqrt(w_all * w * (1 + r * r) / reps) / (phi * w)
    )
    assert after.mean() == pytest.approx(vms[movers].sum(), abs=4 * np.sqrt(w / reps))


def test_a_book_with_customers_not_there_in_the_month_is_refused() -> None:
    from iaas_sim.core.pooling import sample_month_pool

    rng = np.random.default_rng(0)
    book = make_book(3, rng, start=np.array([0, 0, 24]), end=np.array([99, 99, 99]))
    with pytest.raises(ValueError, match="active in the month"):
        sample_month_pool(book, one_class(0.2, 0.5), 0, np.full(24, 1e9), 0, FLAT, 1, rng)
