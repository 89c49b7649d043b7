"""Finance maths on hand-checkable cash flows."""

from __future__ import annotations

import numpy as np
import pytest

from iaas_sim.core.finance import (
    compute_breakeven,
    compute_collections,
    compute_depreciation,
    compute_irr,
    compute_npv,
    compute_payback,
    compute_peak_funding,
)


def test_depreciation_is_straight_line_from_the_month_in_service() -> None:
    capex = np.array([0.0, 1200.0, 0.0, 0.0, 0.0, 0.0, 600.0, 0.0])
    dep = compute_depreciation(capex, 4.0)
    np.testing.assert_allclose(dep, [0, 300, 300, 300, 300, 0, 150, 150])


def test_depreciation_with_a_fractional_life_takes_the_remainder() -> None:
    dep = compute_depreciation(np.array([100.0, 0, 0, 0]), 2.5)
    np.testing.assert_allclose(dep, [40, 40, 20, 0])
    assert dep.sum() == pytest.approx(100.0)


def test_collections_lag_revenue_by_dso() -> None:
    revenue = np.array([100.0, 200.0, 300.0, 0.0])
    np.testing.assert_allclose(compute_collections(revenue, 0.0), revenue)
    month = 365.25 / 12
    np.testing.assert_allclose(compute_collections(revenue, month), [0, 100, 200, 300])
    np.testing.assert_allclose(compute_collections(revenue, month / 2), [50, 150, 250, 150])


def test_npv_and_irr_agree() -> None:
    cash = np.array([-1000.0] + [100.0] * 12)
    irr = compute_irr(cash)
    assert irr is not None
    assert compute_npv(cash, irr) == pytest.approx(0.0, abs=1e-6)
    assert compute_npv(np.array([121.0]), 0.0) == 121.0
    assert compute_npv(np.array([0.0] * 11 + [110.0]), 0.10) == pytest.approx(100.0)


def test_irr_is_none_without_a_sign_change() -> None:
    assert compute_irr(np.array([-1.0, -2.0])) is None
    assert compute_irr(np.array([1.0, 2.0])) is None


def test_breakeven_is_the_first_month_of_lasting_positive_ebitda() -> None:
    assert compute_breakeven(np.array([-5.0, 1.0, -1.0, 2.0, 3.0])) == 3
    assert compute_breakeven(np.array([1.0, 2.0])) == 0
    assert compute_breakeven(np.array([1.0, -2.0])) is None


def test_payback_and_peak_funding_follow_the_j_curve() -> None:
    cumulative = np.cumsum([-10.0, -20.0, 5.0, 10.0, 20.0, -1.0])
    assert compute_peak_funding(cumulative) == 30.0
    assert compute_payback(cumulative) == 4
    assert compute_payback(np.cumsum([-1.0, -1.0])) is None
    assert compute_payback(np.cumsum([1.0, 1.0])) == 0
    assert compute_peak_funding(np.cumsum([1.0, 1.0])) == 0.0


def test_irr_is_found_when_the_last_month_is_negative() -> None:
    cash = np.array([-1000.0] + [30.0] * 40 + [-1.0])
    irr = compute_irr(cash)
    assert irr is not None
    monthly = (1 + irr) ** (1 / 12) - 1
    t = np.arange(len(cash)) + 1.0
    assert float(np.sum(cash / (1 + monthly) ** t)) == pytest.approx(0.0, abs=1e-6)


def test_irr_does_not_overflow_on_long_runs() -> None:
    cash = np.array([-1000.0] + [50.0] * 599)
    irr = compute_irr(cash)
    assert irr is not None
    assert (1 + irr) ** (1 / 12) - 1 == pytest.approx(0.05, rel=1e-6)
