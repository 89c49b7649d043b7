"""Procurement: ordering past the high threshold, delivery one lead time later."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.core.procurement import compute_forecast, compute_order
from tests.conftest import tiny


def test_order_brings_utilisation_back_to_target() -> None:
    assert compute_order(90.0, 100.0, 0.85, 0.75, 10, 1) == math.ceil((90 / 0.75 - 100) / 10)
    assert compute_order(80.0, 100.0, 0.85, 0.75, 10, 1) == 0
    assert compute_order(86.0, 100.0, 0.85, 0.75, 10, 5) == 5
    assert compute_order(0.0, 0.0, 0.85, 0.75, 10, 1) == 0
    assert compute_order(10.0, 0.0, 0.85, 0.75, 10, 1) == 2


def test_forecast_extrapolates_the_trend_never_below_now() -> None:
    assert compute_forecast(np.array([10.0, 20.0, 30.0]), 2.0) == pytest.approx(50.0)
    assert compute_forecast(np.array([30.0, 20.0, 10.0]), 2.0) == 10.0
    assert compute_forecast(np.array([7.0]), 3.0) == 7.0


@pytest.mark.parametrize("lead_time_days", [20, 45, 75])
def test_ramp_past_high_orders_servers_that_arrive_one_lead_time_later(lead_time_days: int) -> None:
    # Demand ramps by about 20 always-on VMs a month against 10 servers x 10 VMs.
    sc = tiny(
        **{
            "segments[0].initial_customers": 0,
            "segments[0].potential_customers": 2000.0,
            "segments[0].vms_per_customer.value": 1,
            "segments[0].bass_p_per_year": 0.12,
            "segments[0].bass_q_per_year": 0.0,
            "capacity.initial_servers": 10,
            "capacity.forecast": False,
            "capacity.lead_time_days": lead_time_days,
            "capacity.capex_per_server": 1000.0,
            "run.months": 12,
        }
    )
    m = sim.simulate(sc, seed=2).monthly
    ordered = np.flatnonzero(m["servers_ordered"].to_numpy() > 0)
    assert len(ordered) > 0
    first = int(ordered[0])
    assert (m["procurement_utilisation"].iloc[:first] <= 0.85).all()
    assert m["procurement_utilisation"].iloc[first] > 0.85
    n = int(m["servers_ordered"].iloc[first])
    assert m["capex"].iloc[first] == n * 1000.0
    # Ordered at the close of month `first`, in service lead_time_days later.
    arrival = m.index[first].end_time.ceil("D") + pd.Timedelta(days=lead_time_days)
    month = pd.Period(arrival, freq="M")
    k = m.index.get_loc(month)
    assert m["servers"].iloc[k - 1] == m["servers"].iloc[first]
    assert m["servers"].iloc[k] == m["servers"].iloc[first] + n
