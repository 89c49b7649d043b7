"""The case scenarios reproduce what their sources say."""

from __future__ import annotations

import pytest

import iaas_sim as sim
from tests.conftest import ROOT

SLOW_SWITCH = {
    "segments.french_businesses.bass_p_per_year": 0.08,
    "segments.french_businesses.bass_q_per_year": 0.6,
}


def test_2012_plan_reaches_its_500m_in_2017(shipped_results: dict[str, sim.Result]) -> None:
    res = shipped_results["cloudwatt-2012-plan"]
    assert res.metrics["revenue_by_year"]["2017"] == pytest.approx(500e6, rel=0.25)
    assert res.metrics["revenue_by_year"]["2013"] < 0.05 * 500e6  # launch in mid-2013
    m = res.monthly
    assert m.loc["2015-06", "sales_reps"] + m.loc["2015-06", "opex_staff"] > 0
    partners = m["channel_revenue_partners"].sum()
    assert partners > 0.5 * m["revenue"].sum()  # "a majority of revenue from partners"


def test_2012_plan_with_a_four_to_five_year_switch() -> None:
    plan = sim.load_scenario(ROOT / "scenarios/cloudwatt-2012-plan.toml")
    slow = plan.override({**SLOW_SWITCH, "run.months": 64})
    fast = plan.override({"run.months": 64})
    slow_res, fast_res = sim.simulate(slow), sim.simulate(fast)
    slow_2017 = slow_res.metrics["revenue_by_year"]["2017"]
    assert slow_2017 < fast_res.metrics["revenue_by_year"]["2017"]
    assert slow_res.metrics["revenue_by_year"]["2015"] < (
        0.6 * fast_res.metrics["revenue_by_year"]["2015"]
    )


def test_numergy_has_every_mechanism_at_work(shipped_results: dict[str, sim.Result]) -> None:
    res = shipped_results["numergy-2013"]
    m = res.monthly
    types = ["resellers", "editors", "hosters", "tech_startups"]
    assert all(m[f"partner_type_revenue_{t}"].sum() > 0 for t in types)
    assert (m.loc[:"2013-12", "partner_type_revenue_tech_startups"] == 0).all()
    assert "technology start-up programme" in m["events"].tolist()
    availability = res.metrics["availability_by_tier"]
    assert availability["99.7"] < availability["99.9"] < availability["99.99"] < 1
    assert res.metrics["sla_credits"] > 0
    assert m["revenue_reserved"].sum() > 0
    assert m["upfront_cash"].sum() > 0
    assert m["opex_vendor_share"].sum() > 0
    assert m["revenue_marketplace"].sum() > 0
    assert m.loc["2014-04", "list_price"] < m.loc["2014-03", "list_price"] * 0.91
