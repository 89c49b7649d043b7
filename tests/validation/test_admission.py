"""Admission against Erlang B: Poisson arrivals of one-VM customers with exponential stays
on a fixed capacity of c VMs is the M/M/c/c loss system, whose blocking is Erlang B. A
customer who leaves frees its VM from the hour it leaves, so the share of arrivals refused
matches Erlang B whatever the stays (3, 12 or 60 months), not only for stays much longer
than a month."""

from __future__ import annotations

import math

import numpy as np
import pytest

import iaas_sim as sim

C = 100
OFFERED = 95.0
"""Erlang: arrivals per month x mean stay in months."""
MONTHS = 120
MEASURED_FROM = 12


def erlang_b(c: int, a: float) -> float:
    """Erlang B by its recursion: B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def loss_system(stay_months: float, seed: int) -> sim.Scenario:
    """A web shop selling one always-on VM to each customer, arrivals at a constant rate
    (a Bass market so large and slow that its rate does not move: ``m p e^{-p t}``),
    exponential stays, 100 VMs that never grow (orders arrive after the run)."""
    per_year = 12 * OFFERED / stay_months
    market = 1e7
    return sim.load_scenario(
        {
            "schema_version": 1,
            "name": f"M/M/{C}/{C}, stays of {stay_months:g} months",
            "run": {"start": "2030-01-01", "months": MONTHS, "seed": seed},
            "segments": [
                {
                    "name": "loss",
                    "potential_customers": market,
                    "bass_p_per_year": per_year / market,
                    "bass_q_per_year": 0.0,
                    # A start near the stationary count, so that the burn-in is short.
                    "initial_customers": round(OFFERED * (1 - erlang_b(C, OFFERED))),
                    "vms_per_customer": {"dist": "fixed", "value": 1},
                    "usage_profile": "always_on",
                    "usage_cv": 0.0,
                    "churn_per_month": 1 - math.exp(-1 / stay_months),
                    "channel_mix": {"web": 1.0},
                }
            ],
            "pricing": {"vm_hour_price": 0.05},
            "capacity": {
                "vms_per_server": 1,
                "initial_servers": C,
                "lead_time_days": 3650,
                "admission_max_utilisation": 1.0,
            },
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("stay_months", [3.0, 12.0, 60.0])
def test_blocking_is_erlang_b_for_short_and_long_stays(stay_months: float) -> None:
    reps = 24
    blocked = []
    for seed in range(reps):
        m = sim.simulate(loss_system(stay_months, seed), seed=seed).monthly.iloc[MEASURED_FROM:]
        assert (m["capacity_vms"] == C).all()  # the capacity never changed
        lost, admitted = m["lost_customers"].sum(), m["new_customers"].sum()
        blocked.append(lost / (lost + admitted))
    mean = float(np.mean(blocked))
    se = float(np.std(blocked, ddof=1)) / math.sqrt(reps)
    expected = erlang_b(C, OFFERED)
    assert abs(mean - expected) < 3 * se + 0.002, (stay_months, mean, se, expected)
