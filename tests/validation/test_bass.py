"""Bass diffusion: the closed form, and the simulated arrivals that follow it."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from iaas_sim.core.adoption import compute_bass_arrivals, compute_bass_cumulative
from tests.conftest import tiny


def test_closed_form_properties() -> None:
    p, q = 0.03, 0.38
    t = np.linspace(0, 60, 6001)
    f = compute_bass_cumulative(t, p, q)
    assert f[0] == 0.0
    assert f[-1] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.diff(f) > 0)
    # Initial adoption rate is p; the peak of adoption is at ln(q/p)/(p+q).
    assert (f[1] - f[0]) / (t[1] - t[0]) == pytest.approx(p, rel=0.01)
    rate = np.diff(f)
    assert t[np.argmax(rate)] == pytest.approx(np.log(q / p) / (p + q), abs=0.02)


def test_closed_form_solves_the_bass_equation() -> None:
    p, q = 0.05, 0.5
    t = np.linspace(0.1, 20, 200)
    h = 1e-6
    f = compute_bass_cumulative(t, p, q)
    derivative = (compute_bass_cumulative(t + h, p, q) - compute_bass_cumulative(t - h, p, q)) / (
        2 * h
    )
    np.testing.assert_allclose(derivative, (p + q * f) * (1 - f), rtol=1e-5)


def test_monthly_arrivals_sum_to_the_market_share_adopted() -> None:
    years = np.arange(121) / 12
    arrivals = compute_bass_arrivals(years, 1000.0, 0.1, 0.4)
    assert arrivals.sum() == pytest.approx(1000.0 * compute_bass_cumulative(10.0, 0.1, 0.4))


def test_simulated_customers_follow_the_curve() -> None:
    market, p, q = 3000.0, 0.3, 0.6
    sc = tiny(
        **{
            "segments[0].initial_customers": 0,
            "segments[0].potential_customers": market,
            "segments[0].bass_p_per_year": p,
            "segments[0].bass_q_per_year": q,
            "run.months": 24,
        }
    )
    totals = [sim.simulate(sc, seed=s).monthly["new_customers"].sum() for s in range(8)]
    expected = market * compute_bass_cumulative(2.0, p, q)
    # Poisson: variance = mean; 8 replications.
    assert np.mean(totals) == pytest.approx(expected, abs=4 * np.sqrt(expected / 8))
