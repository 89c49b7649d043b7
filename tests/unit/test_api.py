"""The public API is what DESIGN.md says, and the layers import only downwards."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

import iaas_sim as sim
from tests.conftest import ROOT, tiny

LAYERS = ["util", "scenario", "core", "engine", "experiments", "analysis", "cli"]
ONLY_IN = {"simpy": "engine", "pydantic": "scenario", "matplotlib": "analysis"}


def test_public_names() -> None:
    for name in [
        "load_scenario",
        "simulate",
        "Scenario",
        "ScenarioError",
        "Result",
        "load_result",
        "monte_carlo",
        "sweep",
        "sensitivity",
        "solve",
        "pooling_curve",
        "__version__",
    ]:
        assert hasattr(sim, name), name


def test_design_md_example_runs() -> None:
    sc = sim.load_scenario(ROOT / "scenarios/minimal.toml")
    sc2 = sc.override({"pricing.vm_hour_price": 0.05})
    res = sim.simulate(sc2, seed=7)
    assert isinstance(res, sim.Result)
    assert isinstance(res.monthly.index, pd.PeriodIndex)
    assert res.monthly.index.freqstr == "M"
    for column in [
        "customers",
        "vms_avg",
        "vms_peak",
        "capacity_vms",
        "utilisation",
        "utilisation_peak",
        "unserved_vm_hours",
        "lost_customers",
        "vm_hours_billed",
        "revenue",
        "revenue_usage",
        "revenue_marketplace",
        "partner_discounts",
        "opex",
        "capex",
        "depreciation",
        "ebitda",
        "ebit",
        "funding",
        "cash_flow",
        "cumulative_cash",
        "pooling_gain",
    ]:
        assert column in res.monthly.columns, column
    for metric in [
        "npv",
        "irr",
        "breakeven_month",
        "payback_month",
        "peak_funding",
        "revenue_by_year",
        "mean_utilisation",
        "months_below_low_threshold",
        "months_above_high_threshold",
        "pooling_gain",
    ]:
        assert metric in res.metrics, metric


def test_load_scenario_accepts_a_dict_and_raises_scenario_error() -> None:
    with pytest.raises(sim.ScenarioError):
        sim.load_scenario({"schema_version": 1})


def test_same_seed_same_table_other_seed_other_table() -> None:
    sc = tiny(**{"segments[0].potential_customers": 500.0, "segments[0].usage_cv": 0.3})
    a, b = sim.simulate(sc, seed=3), sim.simulate(sc, seed=3)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    assert not sim.simulate(sc, seed=4).monthly.equals(a.monthly)


def test_default_seed_is_the_scenarios() -> None:
    sc = tiny(**{"segments[0].potential_customers": 500.0, "run.seed": 11})
    pd.testing.assert_frame_equal(sim.simulate(sc).monthly, sim.simulate(sc, seed=11).monthly)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_bad_seed_is_refused(seed: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        sim.simulate(tiny(), seed=seed)  # type: ignore[arg-type]


def test_result_round_trips_through_files(tmp_path: Path) -> None:
    res = sim.simulate(tiny(**{"segments[0].potential_customers": 100.0}))
    res.save(tmp_path)
    back = sim.load_result(tmp_path)
    pd.testing.assert_frame_equal(back.monthly, res.monthly)
    assert back.metadata == res.metadata
    assert back.metrics["peak_funding"] == res.metrics["peak_funding"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_package_root_holds_only_the_layers() -> None:
    """``ls iaas_sim/`` shows the layers: every module lives in one."""
    root = ROOT / "iaas_sim"
    assert sorted(p.name for p in root.iterdir() if p.is_file()) == ["__init__.py", "py.typed"]
    assert set(LAYERS) <= {p.name for p in root.iterdir() if p.is_dir()}


@pytest.mark.parametrize("layer", LAYERS)
def test_layers_import_only_downwards(layer: str) -> None:
    package = ROOT / "iaas_sim"
    files = sorted((package / layer).glob("*.py"))
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    for path in files:
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "iaas_sim" and len(parts) > 1:
                assert parts[1] in allowed, f"{path.name} imports {name}"
            if parts[0] in ONLY_IN:
                assert ONLY_IN[parts[0]] == layer, f"{path.name} imports {name}"
