"""Price dynamics: annual and dated cuts, partner margins, price elasticity."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import iaas_sim as sim
from iaas_sim.core.calendar import compute_month_grid
from iaas_sim.core.pricing import compute_list_prices, compute_price_response
from tests.conftest import tiny


def test_list_prices_compound_the_annual_cut_and_apply_dated_cuts() -> None:
    sc = tiny(
        **{
            "pricing.annual_price_cut": 0.12,
            "pricing.price_cut_start": "2024-02-01",
            "pricing.price_cuts": [
                {"date": "2024-04-01", "cut": 0.10},
                {"date": "2024-05-15", "cut": 0.20},
            ],
        }
    )
    grid = compute_month_grid(dt.date(2024, 1, 1), 6)
    prices = compute_list_prices(sc.pricing, grid, sc.run.start)
    annual = 0.05 * 0.88 ** (np.array([0, 0, 1, 2, 3, 4]) / 12)
    dated = np.array([1, 1, 1, 0.9, 0.9, 0.9 * 0.8])  # May 15 applies from June
    np.testing.assert_allclose(prices, annual * dated, rtol=1e-12)


def test_a_ten_percent_list_cut_cuts_partner_margins_by_ten_percent() -> None:
    base = {
        "segments[0].channel_mix": {"web": 0.0, "partners": 1.0},
        "channels.partners.types[0].initial_partners": 5,
        "channels.partners.types[0].discounts.registered.start": 0.2,
    }
    cut = {**base, "pricing.price_cuts": [{"date": "2024-04-01", "cut": 0.10}]}
    m = sim.simulate(tiny(**cut)).monthly
    # 40 partner-sold VMs at 0.05 list, the partner keeps 20 %: 0.01 per VM-hour.
    np.testing.assert_allclose(
        m["partner_margin_per_vm_hour"], [0.01] * 3 + [0.009] * 3, rtol=1e-12
    )
    hours = np.array([744, 696, 744, 720, 744, 720])
    np.testing.assert_allclose(
        m["partner_margin"], 40 * hours * np.array([0.01] * 3 + [0.009] * 3), rtol=1e-12
    )
    np.testing.assert_allclose(
        m["channel_revenue_partners"], 40 * hours * np.array([0.04] * 3 + [0.036] * 3), rtol=1e-12
    )


def test_price_response_is_a_constant_elasticity() -> None:
    prices = np.array([0.05, 0.04, 0.06])
    np.testing.assert_allclose(
        compute_price_response(prices, np.full(3, 0.05), 2.0), [1.0, 1.5625, 0.05**2 / 0.06**2]
    )
    assert (compute_price_response(prices, None, 2.0) == 1).all()


def test_a_cheaper_provider_wins_more_customers() -> None:
    common = {
        "segments[0].initial_customers": 0,
        "segments[0].potential_customers": 3000.0,
        "segments[0].bass_p_per_year": 0.5,
        "segments[0].bass_q_per_year": 0.0,
        "pricing.competitor_vm_hour_price": 0.05,
        "pricing.price_elasticity": 2.0,
        "run.months": 12,
        "capacity.initial_servers": 10_000,
    }
    same = [sim.simulate(tiny(**common), seed=s).monthly["new_customers"].sum() for s in range(6)]
    cheaper = [
        sim.simulate(tiny(**common, **{"pricing.vm_hour_price": 0.04}), seed=s)
        .monthly["new_customers"]
        .sum()
        for s in range(6)
    ]
    ratio = np.mean(cheaper) / np.mean(same)
    # Poisson totals of about 1,180 and 1,840 over 6 seeds: ratio sd about 0.02.
    assert ratio == pytest.approx(1.5625, abs=0.1)
