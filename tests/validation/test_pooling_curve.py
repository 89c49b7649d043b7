"""The pooling curve against the square-root law: the capacity the simulator needs for a
service level is N mu + z sigma sqrt(N); correlation and weekly shapes set floors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

import iaas_sim as sim
from iaas_sim.core.profiles import PROFILE_TABLE

Z99 = float(norm.ppf(0.99))


def flat(vms: int = 2, cv: float = 0.3, phi: float = 0.5) -> dict[str, object]:
    return {
        "mix": [
            {
                "vms_per_customer": {"dist": "fixed", "value": vms},
                "usage_cv": cv,
                "usage_autocorrelation": phi,
            }
        ]
    }


def test_capacity_needed_is_n_mu_plus_z_sigma_sqrt_n() -> None:
    curve = sim.pooling_curve(flat(), customers=[10, 100, 1000, 10_000], replications=30, weeks=26)
    t = curve.table
    n = t["customers"].to_numpy()
    law = 2 * n + Z99 * 0.3 * 2 * np.sqrt(n)
    np.testing.assert_allclose(t["capacity_law_vms"], law, rtol=1e-9)
    # The simulated capacity (the 99 % quantile of each book's hourly demand, averaged
    # over 30 books) within four standard errors of the law.
    gap = np.abs(t["capacity_vms"].to_numpy() - law)
    assert np.all(gap <= 4 * t["capacity_vms_se"].to_numpy()), (gap, t["capacity_vms_se"])
    # Headroom over the mean falls like 1 / sqrt(N): x100 customers, /10 headroom.
    headroom = t["capacity_vms"] / t["mean_demand_vms"] - 1
    assert headroom.iloc[2] / headroom.iloc[0] == pytest.approx(0.1, rel=0.1)


def test_utilisation_rises_towards_one_and_crosses_the_thresholds_where_the_law_says() -> None:
    curve = sim.pooling_curve(flat(vms=1, cv=0.5), customers=[1, 10, 100, 1000], replications=10)
    assert curve.table["utilisation"].is_monotonic_increasing
    assert curve.limit == pytest.approx(1.0, abs=1e-4)
    for level in (0.55, 0.75, 0.85):
        n = curve.customers_needed[level]
        assert n is not None
        # N + z sigma sqrt(N) with mean N: utilisation 1 / (1 + z cv / sqrt(N)).
        assert 1 / (1 + Z99 * 0.5 / np.sqrt(n)) == pytest.approx(level, abs=1e-6)


def test_correlation_sets_a_floor_under_the_headroom() -> None:
    rho = 0.1
    curve = sim.pooling_curve(
        flat(vms=1, cv=0.3),
        customers=[10, 1000, 100_000],
        correlation=rho,
        common_autocorrelation=0.5,
        replications=20,
        weeks=26,
    )
    floor = 1 / (1 + Z99 * 0.3 * np.sqrt(rho))
    assert curve.limit == pytest.approx(floor, rel=1e-4)
    big = curve.table.iloc[-1]
    assert big["utilisation"] == pytest.approx(
        big["utilisation_law"], abs=4 * big["utilisation_se"]
    )
    assert curve.customers_needed[0.85] is None


def test_a_weekly_shape_caps_utilisation_at_its_mean_over_its_peak() -> None:
    shape = PROFILE_TABLE["business_hours"].shape
    curve = sim.pooling_curve(
        {"mix": [{"usage_profile": "business_hours"}]}, customers=[10, 10_000], replications=5
    )
    assert curve.limit == pytest.approx(shape.mean() / shape.max(), rel=1e-3)
    assert curve.customers_needed[0.75] is None
    assert curve.customers_safe(0.75) is None


def test_a_scenario_gives_its_segments_as_the_mix() -> None:
    sc = sim.load_scenario("scenarios/cloudwatt-2014.toml")
    curve = sim.pooling_curve(sc, customers=[10, 100], replications=3)
    assert [c.name for c in curve.spec.mix] == [s.name for s in sc.segments]
    assert list(curve.table["customers"]) == [10, 100]


def test_bad_parameters_are_refused_by_name() -> None:
    with pytest.raises(sim.ScenarioError, match=r"service_level: .*\(got 1\.5\)"):
        sim.pooling_curve(flat(), service_level=1.5)
    with pytest.raises(sim.ScenarioError, match=r"customers: must be strictly increasing"):
        sim.pooling_curve(flat(), customers=[100, 10])
    with pytest.raises(sim.ScenarioError, match=r"simulated customers"):
        sim.pooling_curve(flat(), customers=[1_000_000], replications=1000)
