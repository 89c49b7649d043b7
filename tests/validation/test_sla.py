"""SLA tiers: outages, availability, credits."""

from __future__ import annotations

import numpy as np
import pytest

import iaas_sim as sim
from iaas_sim.core.outages import compute_credit_share, compute_up_share
from iaas_sim.scenario.sla import default_credits
from tests.conftest import tiny

HOURS = np.array([744, 696, 744, 720, 744, 720])


def test_up_share_of_a_known_outage() -> None:
    up = compute_up_share([(10.5, 13.25)], 0, 24)
    expected = np.ones(24)
    expected[10], expected[11], expected[12], expected[13] = 0.5, 0.0, 0.0, 0.75
    np.testing.assert_allclose(up, expected)
    # 2.75 hours down in a 24-hour day.
    assert up.mean() == pytest.approx(1 - 2.75 / 24)
    assert (compute_up_share([(30.0, 40.0)], 0, 24) == 1).all()


def test_credit_schedule() -> None:
    credits = default_credits(0.999)
    assert compute_credit_share(0.9995, credits) == 0.0
    assert compute_credit_share(0.999, credits) == 0.0
    assert compute_credit_share(0.995, credits) == 0.10
    assert compute_credit_share(0.985, credits) == 0.25
    assert compute_credit_share(0.90, credits) == 1.0


def test_credits_are_the_schedule_applied_to_the_tiers_bill() -> None:
    sc = tiny(
        **{"sla.99.7.failures_per_year": 40.0, "sla.99.7.repair_hours_mean": 6.0, "run.months": 6}
    )
    m = sim.simulate(sc, seed=1).monthly
    credits = default_credits(0.997)
    share = np.array([compute_credit_share(a, credits) for a in m["availability_99_7"]])
    assert share.sum() > 0
    np.testing.assert_allclose(m["revenue_sla_credits"], -share * m["revenue_usage"], rtol=1e-12)
    assert (m["revenue_sla_credits"] <= 0).all()
    # Down time is demand not served: 40 always-on VMs, ample capacity.
    np.testing.assert_allclose(
        m["unserved_vm_hours"], 40 * HOURS * (1 - m["availability_99_7"]), rtol=1e-9
    )
    np.testing.assert_allclose(m["vm_hours_billed"], 40 * HOURS * m["availability_99_7"], rtol=1e-9)


def test_outages_hit_only_their_tier() -> None:
    sc = tiny(
        **{
            "segments[0].sla_mix": {"99.7": 0.5, "99.99": 0.5},
            "segments[0].initial_customers": 200,
            "sla.99.7.failures_per_year": 100.0,
        }
    )
    m = sim.simulate(sc, seed=2).monthly
    assert (m["availability_99_7"] < 1).all()
    assert (m["availability_99_99"] == 1).all()
    assert (m["availability_99_9"] == 1).all()


def test_long_run_availability_is_up_time_over_cycle_time() -> None:
    # Failures at 20 a year of up time, repairs of exactly 10 hours, over 10 years.
    sc = tiny(
        **{
            "sla.99.7.failures_per_year": 20.0,
            "sla.99.7.repair_hours_mean": 10.0,
            "sla.99.7.repair_hours_sd": 0.0,
            "run.months": 120,
        }
    )
    res = sim.simulate(sc, seed=3)
    mtbf = 365.25 * 24 / 20
    expected = mtbf / (mtbf + 10.0)
    # About 200 outages: the count's sd is about sqrt(200), i.e. 7 % of the down time.
    tolerance = 4 * (1 - expected) * np.sqrt(200) / 200
    assert res.metrics["availability_by_tier"]["99.7"] == pytest.approx(expected, abs=tolerance)
    assert res.metrics["availability_by_tier"]["99.9"] == 1.0


def test_credit_schedules_must_not_shrink_as_availability_falls() -> None:
    with pytest.raises(sim.ScenarioError, match="credits must not shrink"):
        tiny(
            **{
                "sla.99.9.credits": [
                    {"availability_below": 0.999, "credit": 0.5},
                    {"availability_below": 0.99, "credit": 0.2},
                ]
            }
        )


def test_a_tier_written_without_credits_keeps_the_default_schedule() -> None:
    sc = tiny(**{"sla": {"99.7": {"failures_per_year": 40.0}}})
    assert sc.sla.credit_schedules()[0] == default_credits(0.997)
    m = sim.simulate(sc, seed=1).monthly
    assert (m["revenue_sla_credits"] < 0).any()
    no_credits = tiny(**{"sla": {"99.7": {"failures_per_year": 40.0, "credits": []}}})
    assert (sim.simulate(no_credits, seed=1).monthly["revenue_sla_credits"] == 0).all()
