"""Partner types: reach, own use, certification by sales, ISVs and the marketplace."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from tests.conftest import tiny

HOURS = np.array([744, 696, 744, 720, 744, 720])
TWO_TYPES = {
    "segments[0].initial_customers": 0,
    "segments[0].potential_customers": 20000.0,
    "segments[0].bass_p_per_year": 1.0,
    "segments[0].channel_mix": {"web": 0.0, "partners": 1.0},
    "capacity.initial_servers": 10_000,
    "channels.partners.types": [
        {
            "name": "integrators",
            "initial_partners": 2,
            "customers_per_active_partner_per_month": 10.0,
            "programme_cost_per_partner_per_month": 100.0,
            "discounts": {"registered": {"start": 0.1}},
        },
        {
            "name": "wholesalers",
            "kind": "wholesaler",
            "initial_partners": 3,
            "customers_per_active_partner_per_month": 30.0,
            "programme_cost_per_partner_per_month": 50.0,
            "discounts": {"registered": {"start": 0.3}},
        },
    ],
}


def test_customers_go_to_types_in_proportion_to_reach() -> None:
    m = sim.simulate(tiny(**TWO_TYPES), seed=1).monthly
    # Reach 20 + 90 = 110 a month, well below demand: about 110 new customers a month.
    assert m["new_customers"].mean() == pytest.approx(110, abs=4 * np.sqrt(110 / 6))
    a, b = m["partner_type_revenue_integrators"], m["partner_type_revenue_wholesalers"]
    np.testing.assert_allclose(a + b, m["channel_revenue_partners"], rtol=1e-12)
    # Same 4-VM customers; revenue shares 20 x 0.9 : 90 x 0.7 by reach and discount.
    share = a.sum() / (a.sum() + b.sum())
    assert share == pytest.approx(20 * 0.9 / (20 * 0.9 + 90 * 0.7), abs=0.03)
    assert (m["opex_partner_programme"] == 2 * 100.0 + 3 * 50.0).all()


def test_partners_own_use_is_billed_at_their_discount() -> None:
    sc = tiny(
        **{
            "segments[0].initial_customers": 0,
            "channels.partners.types": [
                {
                    "name": "hosters",
                    "kind": "hoster",
                    "initial_partners": 4,
                    "own_vms_per_active_partner": 10.0,
                    "discounts": {"registered": {"start": 0.25}},
                }
            ],
        }
    )
    m = sim.simulate(sc).monthly
    # Own use is always on with small fluctuations around 40 VMs: the mean is exact only
    # in expectation, so compare revenue per VM-hour served, which is exact.
    np.testing.assert_allclose(
        m["partner_type_revenue_hosters"] / m["vm_hours_served"], 0.05 * 0.75, rtol=1e-12
    )
    assert m["vms_avg"].mean() == pytest.approx(40.0, rel=0.02)
    assert (m["partners_active"] == 4).all()


def test_partners_move_up_tiers_as_their_sales_grow() -> None:
    sc = tiny(
        **{
            "segments[0].initial_customers": 0,
            "channels.partners.certified_from_vms": 15,
            "channels.partners.types": [
                {
                    "name": "hosters",
                    "initial_partners": 1,
                    "own_vms_per_active_partner": 20.0,
                    "discounts": {"registered": {"start": 0.1}, "certified": {"start": 0.2}},
                }
            ],
        }
    )
    m = sim.simulate(sc).monthly
    # 20 VMs of its own >= 15: certified from the first close, at 20 % off.
    np.testing.assert_allclose(m["partner_margin_per_vm_hour"], 0.05 * 0.2, rtol=1e-12)
    below = sc.override({"channels.partners.certified_from_vms": 25})
    m = sim.simulate(below).monthly
    np.testing.assert_allclose(m["partner_margin_per_vm_hour"], 0.05 * 0.1, rtol=1e-12)


def test_isv_customers_buy_the_solution_on_the_marketplace() -> None:
    sc = tiny(
        **{
            "segments[0].channel_mix": {"web": 0.5, "partners": 0.5},
            "segments[0].initial_customers": 100,
            "marketplace.attach_rate": 0.0,
            "marketplace.solution_revenue_per_customer_month": 100.0,
            "channels.partners.types": [{"name": "isv", "kind": "isv", "initial_partners": 2}],
        }
    )
    m = sim.simulate(sc, seed=2).monthly
    partner_customers = m["isv_solution_revenue"].iloc[0] / 100.0
    assert 30 < partner_customers < 70  # about half of 100, all of them ISV customers
    np.testing.assert_allclose(m["revenue_marketplace"], 0.3 * m["isv_solution_revenue"])
    # The marketplace share counts in the ISV's channel revenue; web customers buy none.
    usage_web = m["channel_revenue_web"]
    assert (usage_web > 0).all()
    np.testing.assert_allclose(m["channel_revenue_partners"] + usage_web, m["revenue"])


def test_an_event_opens_a_new_partner_programme() -> None:
    types = [
        TWO_TYPES["channels.partners.types"][0],
        {
            "name": "wholesalers",
            "kind": "wholesaler",
            "share_active": 1.0,
            "activation_delay_days": 0.0,
            "customers_per_active_partner_per_month": 30.0,
        },
    ]
    sc = tiny(
        **{
            **TWO_TYPES,
            "channels.partners.types": types,
            "events": [
                {
                    "date": "2024-03-01",
                    "name": "wholesale programme",
                    "set": {"channels.partners.types.wholesalers.recruited_per_month": 5.0},
                }
            ],
        }
    )
    m = sim.simulate(sc, seed=3).monthly
    assert (m["partner_type_revenue_wholesalers"].iloc[:2] == 0).all()
    assert (m["partner_type_revenue_wholesalers"].iloc[3:] > 0).all()
    assert m["events"].iloc[2] == "wholesale programme"


def test_partner_types_cannot_be_added_by_an_event() -> None:
    with pytest.raises(sim.ScenarioError, match="cannot change during a run"):
        tiny(events=[{"date": "2024-03-01", "set": {"channels.partners.types": []}}])


def test_a_level_left_out_keeps_the_discount_of_the_level_below() -> None:
    sc = tiny(
        **{
            "segments[0].initial_customers": 0,
            "channels.partners.certified_from_vms": 15,
            "channels.partners.types": [
                {
                    "name": "editors",
                    "kind": "isv",
                    "initial_partners": 1,
                    "own_vms_per_active_partner": 20.0,
                    "discounts": {"registered": {"start": 0.15}},
                }
            ],
        }
    )
    m = sim.simulate(sc).monthly  # promoted to certified at the first close
    np.testing.assert_allclose(m["partner_margin_per_vm_hour"], 0.05 * 0.15, rtol=1e-12)


def test_initial_customers_follow_reach_not_partner_counts() -> None:
    sc = tiny(
        **{
            "segments[0].channel_mix": {"web": 0.0, "partners": 1.0},
            "segments[0].initial_customers": 50,
            "channels.partners.types": [
                {
                    "name": "resellers",
                    "initial_partners": 1,
                    "customers_per_active_partner_per_month": 5.0,
                },
                {
                    "name": "hosters",
                    "kind": "hoster",
                    "initial_partners": 20,
                    "customers_per_active_partner_per_month": 0.0,
                },
            ],
        }
    )
    m = sim.simulate(sc).monthly
    assert m["customers"].iloc[0] == 50  # the existing base is not capped by reach
    assert (m["partner_type_revenue_hosters"] == 0).all()


def test_discounts_left_out_come_from_the_level_below_per_environment() -> None:
    sc = tiny(
        **{
            "channels.partners.types[0].discounts": {
                "registered": {"start": 0.2, "entreprise": 0.2, "critique": 0.2},
                "certified": {"critique": 0.3},
            }
        }
    )
    grid = sc.channels.partners.types[0].discounts.grid()
    assert grid == [[0.2, 0.2, 0.2], [0.2, 0.2, 0.3], [0.2, 0.2, 0.3]]
    with pytest.raises(sim.ScenarioError, match="must not be below those of the level"):
        tiny(
            **{
                "channels.partners.types[0].discounts": {
                    "registered": {"start": 0.2},
                    "premium": {"start": 0.1},
                }
            }
        )
