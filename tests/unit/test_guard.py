"""The resource guard: its bound on customers holds on real runs, partner and sales reach
cap it, and a run too big for the machine is refused before it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

import iaas_sim as sim
from iaas_sim.engine.guard import BASE_BYTES, check_resources, estimate
from tests.conftest import ROOT
from tests.unit.test_cli import iaas_sim

MINIMAL = ROOT / "scenarios/minimal.toml"


@pytest.mark.parametrize("name", ["minimal", "numergy-2013", "cloudwatt-2014"])
def test_the_bound_holds_on_shipped_scenarios(name: str) -> None:
    sc = sim.load_scenario(ROOT / f"scenarios/{name}.toml")
    res = sim.simulate(sc)
    signed = sum(s.initial_customers for s in sc.segments) + res.monthly["new_customers"].sum()
    bound = estimate(sc)
    assert signed <= bound.customers
    assert bound.memory_bytes > BASE_BYTES
    check_resources(sc)  # shipped scenarios fit


def test_reach_caps_partner_and_direct_segments() -> None:
    sc = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml")
    huge = sc.override({"segments.smb.potential_customers": 1e9})  # partners only
    bound = estimate(huge)
    types = sc.channels.partners.types
    reach = sum(
        (t.initial_partners + max(s.value for s in t.recruited_per_month) * 100)  # type: ignore[union-attr]
        * t.customers_per_active_partner_per_month
        * 100
        for t in types
    )
    assert bound.by_segment["smb"] == pytest.approx(reach)
    assert bound.customers < 1e8
    web = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 1e9})
    assert estimate(web).customers == pytest.approx(1e9)  # the web shop has no reach limit


def test_a_run_too_big_is_refused_with_the_key_and_value(tmp_path: Path) -> None:
    sc = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 3e6})
    check_resources(sc, available=16 * 2**30)
    with pytest.raises(sim.ScenarioError) as caught:
        check_resources(sc, available=1 * 2**30)
    text = str(caught.value)
    assert text.startswith("segments[0].potential_customers: segment 'small_businesses'")
    assert "(got 3000000.0)" in text
    assert "1.0 GiB free" in text

    out = tmp_path / "out"
    proc = iaas_sim(
        "run", str(MINIMAL), "--set", "segments[0].potential_customers=1e9", "--out", str(out)
    )
    assert proc.returncode == 2
    assert "segments[0].potential_customers: segment 'small_businesses' can sign up to " in (
        proc.stderr
    )
    assert "(got 1000000000.0)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    with pytest.raises(sim.ScenarioError, match="more than this machine can give a run"):
        sim.simulate(sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 1e9}))
