"""Every shipped scenario: DESIGN.md's identities, and the figures it must reproduce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.engine.ledger import OPEX_LINES, STREAMS
from iaas_sim.scenario.types import CHANNELS
from tests.conftest import ROOT, SCENARIOS


def check_identities(m: pd.DataFrame) -> None:
    """The identities of DESIGN.md, to rounding."""
    scale = max(1.0, float(m["revenue"].abs().max()), float(m["opex"].abs().max()))
    tol = 1e-9 * scale
    streams = sum(m[f"revenue_{s}"] for s in STREAMS)
    channels = sum(m[f"revenue_channel_{c}"] for c in CHANNELS)
    opex = sum(m[f"opex_{line}"] for line in OPEX_LINES)
    np.testing.assert_allclose(streams, m["revenue"], atol=tol)
    np.testing.assert_allclose(channels, m["revenue"], atol=tol)
    np.testing.assert_allclose(opex, m["opex"], atol=tol)
    np.testing.assert_allclose(m["ebitda"], m["revenue"] - m["opex"], atol=tol)
    np.testing.assert_allclose(m["ebit"], m["ebitda"] - m["depreciation"], atol=tol)
    np.testing.assert_allclose(m["cumulative_cash"], m["cash_flow"].cumsum(), atol=tol * len(m))
    assert ((m["utilisation"] >= 0) & (m["utilisation"] <= 1 + 1e-12)).all()
    assert ((m["utilisation_peak"] >= 0) & (m["utilisation_peak"] <= 1 + 1e-12)).all()
    hours = m.index.days_in_month.to_numpy() * 24
    # Capacity never shrinks, so a month's served VM-hours fit in its month-end capacity.
    assert (m["vm_hours_served"] <= m["capacity_vms"] * hours + 1e-6).all()
    assert (m["revenue"] >= 0).all()
    types = [c for c in m.columns if c.startswith("revenue_partner_type_")]
    if types:
        np.testing.assert_allclose(
            sum(m[c] for c in types), m["revenue_channel_partners"], atol=tol
        )
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
    assert h2["revenue_channel_direct_sales"].sum() < 0.1 * h2["revenue"].sum()


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
