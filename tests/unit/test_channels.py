"""Channels: web size limit, partner reach, the direct sales pipeline."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from tests.conftest import tiny

ARRIVING = {
    "segments[0].initial_customers": 0,
    "segments[0].potential_customers": 5000.0,
    "segments[0].bass_p_per_year": 1.0,
    "segments[0].bass_q_per_year": 0.0,
    "run.months": 12,
    "capacity.initial_servers": 10_000,
}


def test_customers_too_big_for_the_web_shop_go_to_sales_with_their_size() -> None:
    sc = tiny(
        **ARRIVING,
        **{
            "segments[0].vms_per_customer.value": 10,
            "segments[0].channel_mix": {"web": 0.5, "direct_sales": 0.5},
            "channels.direct_sales.reps": 1000.0,
            "channels.direct_sales.sales_cycle_days": 0.0,
        },
    )
    m = sim.simulate(sc, seed=1).monthly
    assert (m["channel_revenue_web"] == 0).all()
    assert m["customers"].iloc[-1] > 100
    # Every customer (always on, no noise, no churn) runs exactly its 10 VMs: the last hour
    # of the month, when all of them are in, is the peak.
    np.testing.assert_array_equal(m["vms_peak"], 10.0 * m["customers"])


def test_partner_reach_caps_partner_customers() -> None:
    sc = tiny(
        **ARRIVING,
        **{
            "segments[0].channel_mix": {"web": 0.0, "partners": 1.0},
            "channels.partners.types[0].initial_partners": 4,
            "channels.partners.types[0].customers_per_active_partner_per_month": 5.0,
        },
    )
    m = sim.simulate(sc, seed=2).monthly
    # Demand falls from ~400 to ~250 a month (Bass, p = 1/year); 4 partners reach 20.
    assert m["new_customers"].mean() == pytest.approx(20.0, abs=4 * np.sqrt(20 / 12))
    assert (m["missed_customers"] > 100).all()


def test_reps_close_deals_one_sales_cycle_later_and_leads_expire() -> None:
    sc = tiny(
        **ARRIVING,
        **{
            "segments[0].channel_mix": {"web": 0.0, "direct_sales": 1.0},
            "channels.direct_sales.reps": 2.0,
            "channels.direct_sales.deals_per_rep_per_month": 3.0,
            "channels.direct_sales.sales_cycle_days": 65.0,
            "channels.direct_sales.lead_patience_months": 2,
        },
    )
    m = sim.simulate(sc, seed=3).monthly
    # Deals taken from January sign 65 days later: nobody before March.
    assert (m["new_customers"].iloc[:2] == 0).all()
    # Six deals a month, taken through each month, sign 65 days later.
    assert m["new_customers"].iloc[3:].mean() == pytest.approx(6.0, abs=0.7)
    assert m["new_customers"].sum() == pytest.approx(6 * (12 - 65 / 30.4), abs=6)
    # Hundreds of leads a month for 6 deals: the rest wait two months and are lost.
    assert m["missed_customers"].iloc[2:].min() > 100
