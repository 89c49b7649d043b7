"""Reserved capacity: upfront cash at signature, revenue over the term, billed used or not."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from iaas_sim.engine.arrivals import compute_term_hours
from tests.conftest import tiny

HOURS = np.array([744, 696, 744, 720, 744, 720])
RESERVING = {
    "segments[0].reserved_uptake": 1.0,
    "reserved.term_months": 3,
    "reserved.upfront_per_vm": 90.0,
    "reserved.hourly_discount": 0.5,
}


def test_one_reservation_by_hand() -> None:
    # 10 customers x 4 VMs reserve at hour 0 for 3-month terms (2,192 hours each).
    m = sim.simulate(tiny(**RESERVING)).monthly
    term = compute_term_hours(3)
    assert term == 2192
    # Upfront cash when each term starts: hours 0 and 2,192 (in April), and 4,384 (July).
    np.testing.assert_array_equal(m["upfront_cash"], [3600.0, 0, 0, 3600.0, 0, 0])
    recognised = 40 * HOURS * 90.0 / term
    hourly = 40 * HOURS * 0.05 * 0.5
    np.testing.assert_allclose(m["revenue_reserved"], recognised + hourly, rtol=1e-12)
    assert (m["revenue_usage"] == 0).all()
    np.testing.assert_allclose(
        m["deferred_revenue"], np.cumsum(m["upfront_cash"] - recognised), rtol=1e-12
    )
    assert (m["deferred_revenue"] >= -1e-9).all()
    # Upfront cash is collected at once; the hourly part 30 days later (DSO).
    assert m["collections"].iloc[0] == pytest.approx(3600.0 + hourly[0] * (1 - 30 / 30.4375))


def test_reserved_vms_are_billed_whether_used_or_not() -> None:
    light = {**RESERVING, "segments[0].usage_profile": "dev_test"}
    m = sim.simulate(tiny(**light)).monthly
    assert (m["vms_avg"] < 40 * 0.3).all()  # dev & test: mostly off
    np.testing.assert_allclose(m["vm_hours_billed"], 40 * HOURS, rtol=1e-12)
    np.testing.assert_allclose(
        m["revenue_reserved"], 40 * HOURS * (90.0 / 2192 + 0.025), rtol=1e-12
    )


def test_reserving_customers_stay_to_the_end_of_their_term() -> None:
    sc = tiny(**RESERVING, **{"segments[0].churn_per_month": 0.9, "run.months": 6})
    m = sim.simulate(sc, seed=4).monthly
    assert (m["churned_customers"].iloc[:2] == 0).all()  # nobody leaves mid-term
    assert m["customers"].iloc[2] == 10
    assert m["customers"].iloc[-1] < 10


def test_partner_discount_applies_to_reserved_hours() -> None:
    sc = tiny(
        **RESERVING,
        **{
            "segments[0].channel_mix": {"web": 0.0, "partners": 1.0},
            "channels.partners.types[0].initial_partners": 5,
            "channels.partners.types[0].discounts.registered.start": 0.2,
        },
    )
    m = sim.simulate(sc).monthly
    np.testing.assert_allclose(
        m["channel_revenue_partners"], 40 * HOURS * (90.0 / 2192 + 0.05 * 0.8 * 0.5), rtol=1e-12
    )
    np.testing.assert_allclose(m["partner_margin_per_vm_hour"], 0.05 * 0.2 * 0.5, rtol=1e-12)
