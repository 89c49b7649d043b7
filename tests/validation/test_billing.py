"""Hand-computed bills: revenue is VMs x hours x price, exactly."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from tests.conftest import tiny

HOURS = [744, 696, 744, 720, 744, 720]  # January to June 2024 (a leap year)


def test_fixed_always_on_vms_bill_exactly() -> None:
    res = sim.simulate(tiny())
    m = res.monthly
    expected = np.array(HOURS) * 10 * 4 * 0.05
    np.testing.assert_allclose(m["revenue"], expected, rtol=1e-12)
    np.testing.assert_allclose(m["revenue_usage"], expected, rtol=1e-12)
    np.testing.assert_allclose(m["vm_hours_billed"], np.array(HOURS) * 40.0, rtol=1e-12)
    assert (m["customers"] == 10).all()
    assert (m["vms_avg"] == 40.0).all()
    assert (m["utilisation"] == 40.0 / 1000.0).all()
    assert (m["unserved_vm_hours"] == 0.0).all()


def test_sla_multiplier_and_price_cut_apply_exactly() -> None:
    res = sim.simulate(
        tiny(
            **{
                "segments[0].sla_mix": {"99.7": 0.0, "99.99": 1.0},
                "pricing.sla_multipliers.99.99": 1.5,
                "pricing.annual_price_cut": 0.12,
            }
        )
    )
    months = np.arange(6)
    price = 0.05 * 1.5 * 0.88 ** (months / 12)
    np.testing.assert_allclose(res.monthly["revenue"], np.array(HOURS) * 40 * price, rtol=1e-12)


def test_overflow_hours_are_unserved_not_billed() -> None:
    # 40 VMs of demand on 3 servers x 10 VMs; admission capped above 100 % so all are in.
    res = sim.simulate(
        tiny(
            **{
                "capacity.initial_servers": 3,
                "capacity.admission_max_utilisation": 1.0,
                "segments[0].vms_per_customer.value": 3,
                "capacity.thresholds.high": 0.99,
                "capacity.thresholds.target": 0.98,
                "capacity.lead_time_days": 400,
            }
        )
    )
    jan = res.monthly.iloc[0]
    assert jan["customers"] == 10
    assert jan["vm_hours_billed"] == pytest.approx(30.0 * 744)
    assert jan["unserved_vm_hours"] == 0.0
    assert jan["utilisation"] == pytest.approx(1.0)


def test_customers_beyond_capacity_are_lost_with_their_demand() -> None:
    res = sim.simulate(tiny(**{"capacity.initial_servers": 2, "capacity.lead_time_days": 400}))
    jan = res.monthly.iloc[0]
    # 20 VMs of capacity: 5 customers of 4 VMs fit, 5 are refused at hour 0.
    assert jan["customers"] == 5
    assert jan["lost_customers"] == 5
    assert jan["unserved_vm_hours"] == pytest.approx(5 * 4 * 744)
    assert jan["vm_hours_billed"] == pytest.approx(20 * 744)


def test_marketplace_is_exactly_the_providers_share() -> None:
    res = sim.simulate(
        tiny(
            **{
                "marketplace.attach_rate": 1.0,
                "marketplace.solution_revenue_per_customer_month": 200.0,
                "marketplace.provider_share": 0.3,
            }
        )
    )
    m = res.monthly
    assert (m["isv_solution_revenue"] == 10 * 200.0).all()
    np.testing.assert_allclose(
        m["revenue_marketplace"], 0.3 * m["isv_solution_revenue"], rtol=1e-15
    )
    np.testing.assert_allclose(m["revenue"] - m["revenue_usage"], 600.0, rtol=1e-12)


def test_marketplace_share_holds_with_random_arrivals_and_churn() -> None:
    res = sim.simulate(
        tiny(
            **{
                "segments[0].potential_customers": 2000.0,
                "segments[0].churn_per_month": 0.05,
                "marketplace.attach_rate": 0.4,
                "marketplace.solution_revenue_per_customer_month": 120.0,
            }
        )
    )
    m = res.monthly
    assert m["isv_solution_revenue"].iloc[-1] > 0
    np.testing.assert_allclose(
        m["revenue_marketplace"], 0.3 * m["isv_solution_revenue"], rtol=1e-12
    )


def test_partner_discount_touches_only_partner_revenue() -> None:
    base = {
        "segments[0].channel_mix": {"web": 0.5, "partners": 0.5},
        "channels.partners.types[0].initial_partners": 5,
        "segments[0].initial_customers": 200,
        "segments[0].sla_mix": {"99.7": 0.5, "99.9": 0.5},
        "channels.partners.types[0].tier_mix": {"registered": 0.5, "premium": 0.5},
    }
    full = sim.simulate(tiny(**base), seed=5).monthly
    discounted = sim.simulate(
        tiny(
            **base,
            **{
                "channels.partners.types[0].discounts.registered": {
                    "start": 0.1,
                    "entreprise": 0.2,
                },
                "channels.partners.types[0].discounts.premium": {"start": 0.3, "entreprise": 0.4},
            },
        ),
        seed=5,
    ).monthly
    np.testing.assert_array_equal(discounted["channel_revenue_web"], full["channel_revenue_web"])
    ratio = discounted["channel_revenue_partners"] / full["channel_revenue_partners"]
    assert ((ratio > 0.6 - 1e-12) & (ratio < 0.9 + 1e-12)).all()
    assert (ratio < 1).all()
    np.testing.assert_allclose(
        discounted["partner_discounts"],
        full["channel_revenue_partners"] - discounted["channel_revenue_partners"],
        rtol=1e-9,
    )
    assert (full["partner_discounts"] == 0).all()


def test_discount_grid_is_type_by_tier_by_environment() -> None:
    from iaas_sim.core.billing import MAX_PARTNER_TYPES, compute_group, compute_group_prices

    discounts = np.zeros((MAX_PARTNER_TYPES, 3, 3))
    discounts[0] = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]
    discounts[1] = 0.05
    list_p, net = compute_group_prices(1.0, np.array([1.0, 2.0, 3.0]), discounts)
    one, zero, payg = np.array([1]), np.array([0]), np.array([False])
    # partners (channel 2), SLA 99.9 (env 'entreprise'), certified (tier 1), type 0:
    # 2 x (1 - 0.5)
    g = compute_group(np.array([2]), one, one, payg, zero)[0]
    assert (list_p[g], net[g]) == (2.0, 1.0)
    g_type1 = compute_group(np.array([2]), one, one, payg, one)[0]
    assert (list_p[g_type1], net[g_type1]) == (2.0, 2.0 * 0.95)
    g_web = compute_group(zero, np.array([2]), zero, payg, zero)[0]
    assert (list_p[g_web], net[g_web]) == (3.0, 3.0)
    # Reserved customers pay no usage: their reservation pays for it.
    g_reserved = compute_group(np.array([2]), one, one, ~payg, zero)[0]
    assert (list_p[g_reserved], net[g_reserved]) == (0.0, 0.0)
