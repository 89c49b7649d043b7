"""Dated events: overrides that take effect from a month on."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from tests.conftest import tiny

HOURS = np.array([744, 696, 744, 720, 744, 720])  # January to June 2024


def test_a_price_event_changes_revenue_from_its_month_exactly() -> None:
    sc = tiny(
        events=[
            {
                "date": "2024-03-01",
                "name": "match competitor",
                "set": {"pricing.vm_hour_price": 0.04},
            }
        ]
    )
    m = sim.simulate(sc).monthly
    price = np.array([0.05, 0.05, 0.04, 0.04, 0.04, 0.04])
    np.testing.assert_allclose(m["revenue"], HOURS * 40 * price, rtol=1e-12)
    assert m["events"].tolist() == ["", "", "match competitor", "", "", ""]


def test_an_event_dated_mid_month_applies_from_the_next_month() -> None:
    sc = tiny(events=[{"date": "2024-02-10", "set": {"pricing.vm_hour_price": 0.10}}])
    m = sim.simulate(sc).monthly
    assert m["list_price"].tolist() == [0.05, 0.05, 0.10, 0.10, 0.10, 0.10]
    assert m["events"].iloc[2] == "events[0]"


def test_events_apply_in_date_order_and_accumulate() -> None:
    sc = tiny(
        events=[
            {"date": "2024-05-01", "name": "second", "set": {"pricing.vm_hour_price": 0.03}},
            {
                "date": "2024-02-01",
                "name": "first",
                "set": {"pricing.vm_hour_price": 0.04, "costs.marketing_per_month": 100.0},
            },
        ]
    )
    m = sim.simulate(sc).monthly
    assert m["list_price"].tolist() == [0.05, 0.04, 0.04, 0.04, 0.03, 0.03]
    assert m["opex_marketing"].tolist() == [0.0, 100.0, 100.0, 100.0, 100.0, 100.0]


def test_a_pivot_closes_a_channel_and_its_costs() -> None:
    sc = tiny(
        **{
            "segments[0].initial_customers": 0,
            "segments[0].potential_customers": 4000.0,
            "segments[0].bass_p_per_year": 1.0,
            "segments[0].channel_mix": {"web": 0.5, "direct_sales": 0.5},
            "channels.direct_sales.reps": 10.0,
            "channels.direct_sales.sales_cycle_days": 0.0,
            "channels.direct_sales.cost_per_rep_per_year": 120000.0,
            "events": [
                {
                    "date": "2024-04-01",
                    "name": "pivot",
                    "set": {
                        "channels.direct_sales.reps": 0.0,
                        "segments.base.channel_mix": {"web": 1.0, "direct_sales": 0.0},
                    },
                }
            ],
        }
    )
    m = sim.simulate(sc, seed=3).monthly
    assert m["opex_sales_force"].tolist() == [100000.0] * 3 + [0.0] * 3
    assert m["sales_reps"].tolist() == [10.0] * 3 + [0.0] * 3
    direct = m["channel_revenue_direct_sales"]
    assert (direct.iloc[1:3] > 0).all()
    # Customers signed before the pivot stay (no churn); nobody new comes through sales.
    assert (
        np.diff(direct.iloc[3:].to_numpy() / m["list_price"].iloc[3:].to_numpy() / (HOURS[3:] * 4))
        <= 1e-9
    ).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"pricing.vm_hour_price": -1.0},
            'events[0].set."pricing.vm_hour_price": must be >= 1e-06 (got -1.0)',
        ),
        ({"run.months": 3}, 'events[0].set."run.months": cannot change during a run (got 3)'),
        ({"segments.base.initial_customers": 5}, "cannot change during a run"),
        ({"capacity.initial_servers": 5}, "cannot change during a run"),
        ({"pricing.vm_hour_prise": 0.1}, "unknown key; did you mean 'vm_hour_price'?"),
    ],
)
def test_bad_events_are_refused_with_their_path(change: dict[str, object], message: str) -> None:
    with pytest.raises(sim.ScenarioError) as info:
        tiny(events=[{"date": "2024-03-01", "set": change}])
    assert message in str(info.value)


def test_events_must_fall_within_the_run() -> None:
    with pytest.raises(sim.ScenarioError, match=r"events\[0\]\.date: must be within the run"):
        tiny(events=[{"date": "2025-01-01", "set": {"pricing.vm_hour_price": 0.1}}])


def test_events_of_the_first_day_reach_the_initial_customers() -> None:
    sc = tiny(events=[{"date": "2024-01-01", "set": {"segments.base.reserved_uptake": 1.0}}])
    m = sim.simulate(sc).monthly
    assert (m["revenue_usage"] == 0).all()
    assert (m["revenue_reserved"] > 0).all()


def test_an_event_can_start_outages_from_its_month() -> None:
    sc = tiny(
        **{
            "run.months": 6,
            "events": [{"date": "2024-03-01", "set": {"sla.99.7.failures_per_year": 2000.0}}],
        }
    )
    m = sim.simulate(sc, seed=1).monthly
    assert (m["availability_99_7"].iloc[:2] == 1).all()
    assert (m["availability_99_7"].iloc[2:] < 1).all()


def test_an_event_on_the_first_day_starts_outages_at_once() -> None:
    sc = tiny(
        **{
            "run.months": 2,
            "events": [{"date": "2024-01-01", "set": {"sla.99.7.failures_per_year": 2000.0}}],
        }
    )
    m = sim.simulate(sc, seed=1).monthly
    assert (m["availability_99_7"] < 1).all()


def test_an_empty_table_changes_nothing() -> None:
    sc = tiny(**{"capacity.lead_time_days": 10.0})
    assert sc.override({"capacity": {}}) == sc
    with_event = tiny(events=[{"date": "2024-02-01", "set": {"channels.partners": {}}}])
    assert len(with_event.channels.partners.types) == 1


def test_reservation_terms_cannot_change_during_a_run() -> None:
    with pytest.raises(sim.ScenarioError, match="cannot change during a run"):
        tiny(events=[{"date": "2024-03-01", "set": {"reserved.upfront_per_vm": 50.0}}])


def test_events_raise_and_stop_outages_from_their_month() -> None:
    up = tiny(
        **{
            "sla.99.7.failures_per_year": 0.01,
            "events": [{"date": "2024-03-01", "set": {"sla.99.7.failures_per_year": 2000.0}}],
        }
    )
    m = sim.simulate(up, seed=1).monthly
    assert (m["availability_99_7"].iloc[2:] < 1).all()
    down = tiny(
        **{
            "sla.99.7.failures_per_year": 2000.0,
            "events": [{"date": "2024-03-01", "set": {"sla.99.7.failures_per_year": 0.0}}],
        }
    )
    m = sim.simulate(down, seed=1).monthly
    assert (m["availability_99_7"].iloc[:2] < 1).all()
    # An outage under way on March 1st may run into March; none starts after.
    assert (m["availability_99_7"].iloc[3:] == 1).all()


def test_first_day_events_reach_the_initial_servers() -> None:
    sc = tiny(
        **{
            "capacity.capex_per_server": 1000.0,
            "events": [{"date": "2024-01-01", "set": {"capacity.vendor_share_of_servers": 1.0}}],
        }
    )
    m = sim.simulate(sc).monthly
    assert m["capex"].iloc[0] == 0.0
    assert m["vendor_server_hours"].iloc[0] == m["server_hours"].iloc[0]


def test_events_that_could_never_apply_are_refused() -> None:
    with pytest.raises(sim.ScenarioError, match=r"events\[0\]\.date: must be within the run"):
        tiny(events=[{"date": "2024-06-15", "set": {"pricing.vm_hour_price": 0.1}}])
    tiny(events=[{"date": "2024-06-01", "set": {"pricing.vm_hour_price": 0.1}}])


def test_the_metrics_read_the_scenario_in_force_at_the_run_s_end() -> None:
    """Thresholds changed by an event: the threshold metrics (and the recorded thresholds)
    are those in force at the end, as the registry says."""
    th = {"low": 0.5, "target": 0.6, "high": 0.7}
    sc = tiny(
        events=[{"date": "2024-03-01", "name": "tighter", "set": {"capacity.thresholds": th}}]
    )
    res = sim.simulate(sc)
    basis = res.monthly["procurement_utilisation"].to_numpy()
    assert res.metrics["months_below_low_threshold"] == int(np.sum(basis < 0.5))
    assert res.metadata["thresholds"] == th
    # 40 VMs on 100 servers of 10: 4 % utilisation, below either low threshold; compare with
    # thresholds that only the initial scenario has.
    untouched = sim.simulate(tiny(**{"capacity.thresholds.low": 0.01}))
    assert untouched.metrics["months_below_low_threshold"] == 0
    late = sim.simulate(
        tiny(
            **{"capacity.thresholds.low": 0.01},
            events=[
                {"date": "2024-06-01", "name": "raise", "set": {"capacity.thresholds.low": 0.5}}
            ],
        )
    )
    assert late.metrics["months_below_low_threshold"] == 6  # the end's 0.5 applies to all
