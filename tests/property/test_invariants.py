"""Hypothesis: generated valid scenarios simulate, and the identities always hold."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iaas_sim as sim
from tests.conftest import tiny
from tests.regression.test_shipped import check_identities

shares = st.floats(0.0, 1.0)


@st.composite
def scenarios(draw: st.DrawFn) -> sim.Scenario:
    web, partners = draw(shares), draw(shares)
    total = web + partners + draw(shares) + 1e-9
    mix = {"web": web / total, "partners": partners / total}
    mix["direct_sales"] = max(0.0, 1.0 - mix["web"] - mix["partners"])
    return tiny(
        **{
            "run.months": draw(st.integers(1, 8)),
            "segments[0].potential_customers": draw(st.floats(0.0, 3000.0)),
            "segments[0].initial_customers": draw(st.integers(0, 50)),
            "segments[0].bass_p_per_year": draw(st.floats(0.01, 2.0)),
            "segments[0].bass_q_per_year": draw(st.floats(0.0, 2.0)),
            "segments[0].vms_per_customer": {
                "dist": "geometric",
                "mean": draw(st.floats(1.0, 8.0)),
            },
            "segments[0].usage_profile": draw(
                st.sampled_from(["always_on", "business_hours", "dev_test"])
            ),
            "segments[0].usage_cv": draw(st.floats(0.0, 1.0)),
            "segments[0].churn_per_month": draw(st.floats(0.0, 0.5)),
            "segments[0].channel_mix": mix,
            "channels.partners.types[0].recruited_per_month": draw(st.floats(0.0, 5.0)),
            "channels.partners.types[0].initial_partners": draw(st.integers(0, 5)),
            "channels.direct_sales.reps": draw(st.floats(0.0, 4.0)),
            "channels.direct_sales.sales_cycle_days": draw(st.floats(0.0, 120.0)),
            "pricing.vm_hour_price": draw(st.floats(0.001, 1.0)),
            "pricing.annual_price_cut": draw(st.floats(0.0, 0.5)),
            "capacity.initial_servers": draw(st.integers(0, 30)),
            "capacity.lead_time_days": draw(st.floats(0.0, 90.0)),
            "capacity.utilisation_basis": draw(st.sampled_from(["peak", "mean"])),
            "marketplace.attach_rate": draw(shares),
            "marketplace.solution_revenue_per_customer_month": draw(st.floats(0.0, 500.0)),
            "finance.dso_days": draw(st.floats(0.0, 120.0)),
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32))
def test_generated_scenarios_keep_the_identities(sc: sim.Scenario, seed: int) -> None:
    res = sim.simulate(sc, seed=seed)
    assert len(res.monthly) == sc.run.months
    check_identities(res.monthly)
    assert res.metrics["peak_funding"] >= 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32), rise=st.floats(1.0, 3.0))
def test_revenue_does_not_fall_when_the_price_rises_at_fixed_demand(
    sc: sim.Scenario, seed: int, rise: float
) -> None:
    # No price elasticity and no competitor (the generated scenarios have neither): the
    # same seed gives the same customers and VM-hours whatever the price.
    assert sc.pricing.price_elasticity == 0
    dearer = sc.override({"pricing.vm_hour_price": min(1.0, sc.pricing.vm_hour_price * rise)})
    low, high = sim.simulate(sc, seed=seed).monthly, sim.simulate(dearer, seed=seed).monthly
    np.testing.assert_array_equal(low["vm_hours_billed"], high["vm_hours_billed"])
    np.testing.assert_array_equal(low["customers"], high["customers"])
    assert (high["revenue"] >= low["revenue"] - 1e-9 * max(1.0, low["revenue"].max())).all()
    assert (high["revenue_usage"] >= low["revenue_usage"] - 1e-9).all()
