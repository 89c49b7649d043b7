"""Every shipped scenario: DESIGN.md's identities, and the figures it must reproduce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.engine.columns import PREFIXES, check_columns, monthly_columns, totals
from tests.conftest import ROOT, SCENARIOS


def check_identities(m: pd.DataFrame) -> None:
    """The identities of DESIGN.md, to rounding: every column is the registry's, each family
    sums to its total, and the accounting identities hold."""
    prefix = PREFIXES["revenue by partner type"]
    types = [c.removeprefix(prefix) for c in m.columns if c.startswith(prefix)]
    registry = monthly_columns(types)
    check_columns(list(m.columns), [c.name for c in registry])
    for c in registry:  # a prefix names one family only
        for family, p in PREFIXES.items():
            assert c.name.startswith(p) == (c.family == family), (c.name, family)
    scale = max(1.0, float(m["revenue"].abs().max()), float(m["opex"].abs().max()))
    tol = 1e-9 * scale
    sums = totals(registry)
    assert set(sums) == {"revenue", "opex"} | ({"channel_revenue_partners"} if types else set())
    assert len(sums["revenue"]) == 4 + 3  # four streams and three channels
    for total, parts in sums.items():
        families = {c.family for c in registry if c.name in parts}
        for family in families:  # each family on its own sums to the total
            named = [c.name for c in registry if c.name in parts and c.family == family]
            np.testing.assert_allclose(sum(m[c] for c in named), m[total], atol=tol)
    np.testing.assert_allclose(m["ebitda"], m["revenue"] - m["opex"], atol=tol)
    np.testing.assert_allclose(m["ebit"], m["ebitda"] - m["depreciation"], atol=tol)
    np.testing.assert_allclose(m["cumulative_cash"], m["cash_flow"].cumsum(), atol=tol * len(m))
    assert ((m["utilisation"] >= 0) & (m["utilisation"] <= 1 + 1e-12)).all()
    assert ((m["utilisation_peak"] >= 0) & (m["utilisation_peak"] <= 1 + 1e-12)).all()
    hours = m.index.days_in_month.to_numpy() * 24
    # Capacity never shrinks, so a month's served VM-hours fit in its month-end capacity.
    assert (m["vm_hours_served"] <= m["capacity_vms"] * hours + 1e-6).all()
    assert (m["revenue"] >= 0).all()
    # The customer count moves only by admissions and departures.
    flow = m["customers"].shift(1, fill_value=0) + m["new_customers"] - m["churned_customers"]
    np.testing.assert_array_equal(m["customers"], flow)
    assert (m["unserved_vm_hours"] >= 0).all()


@pytest.mark.parametrize("name", [p.stem for p in SCENARIOS])
def test_identities_hold(shipped_results: dict[str, sim.Result], name: str) -> None:
    res = shipped_results[name]
    check_identities(res.monthly)
    assert res.metrics["peak_funding"] >= 0
    assert sum(res.metrics["revenue_by_year"].values()) == pytest.approx(
        res.monthly["revenue"].sum()
    )


def test_cloudwatt_h2_2014_reproduces_the_sources(shipped_results: dict[str, sim.Result]) -> None:
    m = shipped_results["cloudwatt-2014"].monthly
    before = m.loc["2012-09":"2014-06"]
    h2 = m.loc["2014-07":"2014-12"]
    assert before["revenue"].sum() == 0.0  # ~nil before 30 June 2014
    assert h2["revenue"].sum() == pytest.approx(2.0e6, rel=0.25)  # about EUR 2M
    assert h2["vms_avg"].mean() == pytest.approx(10_000, rel=0.25)  # ~10,000 VMs running
    assert m.loc["2014-06", "sales_reps"] == 8
    assert m.loc["2014-12", "sales_reps"] == 0  # direct sales closed in the 2014 pivot
    assert 30 <= m.loc["2014-09", "partners_recruited"] <= 55  # ~40 partners
    assert h2["channel_revenue_direct_sales"].sum() < 0.1 * h2["revenue"].sum()


def test_cloudwatt_h2_2014_holds_across_seeds() -> None:
    sc = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml").override({"run.months": 28})
    revenue, vms = [], []
    for seed in range(6):
        h2 = sim.simulate(sc, seed=seed).monthly.loc["2014-07":"2014-12"]
        revenue.append(h2["revenue"].sum())
        vms.append(h2["vms_avg"].mean())
    assert np.mean(revenue) == pytest.approx(2.0e6, rel=0.25)
    assert np.mean(vms) == pytest.approx(10_000, rel=0.25)


def test_cloudwatt_staff_is_95_in_2014() -> None:
    from iaas_sim.core.calendar import compute_month_grid, compute_schedule

    sc = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml")
    grid = compute_month_grid(sc.run.start, sc.run.months)
    k = int(np.flatnonzero(grid.month_starts == np.datetime64("2014-06-01"))[0])
    staff = sum(compute_schedule(r.headcount, grid)[k] for r in sc.costs.staff)
    reps = compute_schedule(sc.channels.direct_sales.reps, grid)[k]
    assert staff + reps == 95
