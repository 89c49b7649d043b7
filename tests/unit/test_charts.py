"""Charts from real runs, rendered to PNG, checked for what they draw (lines, bands,
labels, limits), not only that a file exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.analysis.charts import (
    plot_fan,
    plot_revenue_mix,
    plot_sweep_heatmap,
    plot_tornado,
    plot_utilisation,
)
from iaas_sim.analysis.plots import format_money, plot_cashflow, save_figure
from tests.conftest import ROOT, tiny

GROWING = {
    "segments[0].potential_customers": 800.0,
    "segments[0].usage_cv": 0.3,
    "segments[0].churn_per_month": 0.02,
    "run.months": 12,
}


@pytest.fixture(scope="module")
def numergy() -> sim.Result:
    return sim.simulate(sim.load_scenario(ROOT / "scenarios/numergy-2013.toml"))


def rendered(ax: object, tmp_path: Path, name: str) -> None:
    path = save_figure(ax.figure, tmp_path / f"{name}.png")  # type: ignore[attr-defined]
    assert path.stat().st_size > 10_000


def test_cashflow_marks_peak_funding_payback_and_overlays_runs(
    numergy: sim.Result, tmp_path: Path
) -> None:
    minimal = sim.simulate(sim.load_scenario(ROOT / "scenarios/minimal.toml"))
    ax = plot_cashflow(minimal)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "cash balance (with funding)" in labels  # a lone run with funding
    texts = [t.get_text() for t in ax.texts]
    peak = format_money(minimal.metrics["peak_funding"])
    assert f"peak funding {peak}" in texts
    assert f"payback {minimal.metrics['payback_month']}" in texts
    curve = ax.get_lines()[0]
    np.testing.assert_allclose(
        curve.get_ydata(), minimal.monthly["cumulative_free_cash_flow"].to_numpy()
    )
    assert ax.get_title().endswith("and cash balance")
    rendered(ax, tmp_path, "cashflow")

    both = plot_cashflow([minimal, numergy], labels=["minimal", "numergy"])
    legend = [t.get_text() for t in both.get_legend().get_texts()]
    assert legend == [
        f"minimal (cumulative free cash flow; peak funding {peak})",
        "numergy (cumulative free cash flow; peak funding "
        f"{format_money(numergy.metrics['peak_funding'])})",
    ]
    assert not any("peak funding" in t.get_text() for t in both.texts)  # in the legend
    assert both.get_title() == "Cumulative free cash flow (the J-curve)"
    rendered(both, tmp_path, "cashflow-two")


def test_fan_draws_two_bands_the_median_and_the_target(tmp_path: Path) -> None:
    mc = sim.monte_carlo(tiny(**GROWING), n_replications=12, seed=1, n_jobs=1)
    ax = plot_fan(mc, "cumulative_free_cash_flow", target=0.0)
    assert len(ax.collections) == 2  # 5-95 % and 25-75 %
    labels = [line.get_label() for line in ax.get_lines()]
    assert "median" in labels
    assert "target 0" in labels
    median = next(line for line in ax.get_lines() if line.get_label() == "median")
    np.testing.assert_allclose(
        median.get_ydata(), mc.bands["cumulative_free_cash_flow"][0.5].to_numpy()
    )
    ax.figure.canvas.draw()
    assert any("€" in label.get_text() for label in ax.get_yticklabels())
    rendered(ax, tmp_path, "fan")


def test_utilisation_shows_the_thresholds_and_capacity_steps(
    numergy: sim.Result, tmp_path: Path
) -> None:
    ax = plot_utilisation(numergy)
    texts = [t.get_text() for t in ax.texts]
    assert {"55 % eating the business", "75 % on target", "85 % all profit"} <= set(texts)
    assert ax.get_ylim() == (0.0, 1.05)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "utilisation (mean)" in labels
    assert "utilisation (peak hour)" in labels
    right = next(a for a in ax.figure.axes if a is not ax)
    capacity = right.get_lines()[0].get_ydata()
    assert np.all(np.diff(capacity) >= 0)  # servers are never removed in this scenario
    assert capacity.max() == numergy.monthly["capacity_vms"].max()
    rendered(ax, tmp_path, "utilisation")


@pytest.mark.parametrize("by", ["stream", "channel"])
def test_revenue_mix_stacks_to_the_revenue(numergy: sim.Result, by: str, tmp_path: Path) -> None:
    ax = plot_revenue_mix(numergy, by=by)
    stack = ax.collections[0:3]
    assert len(stack) == 3
    top = stack[-1].get_paths()[0].vertices[:, 1].max()
    m = numergy.monthly
    expected = (m["revenue"] - m["revenue_sla_credits"]).max()
    assert top == pytest.approx(expected, rel=1e-9)
    if by == "stream":
        assert "SLA credits" in [t.get_text() for t in ax.get_legend().get_texts()]
    rendered(ax, tmp_path, f"mix-{by}")


def test_heatmap_has_a_cell_per_point_mean_or_probability(tmp_path: Path) -> None:
    table = sim.sweep(
        tiny(**GROWING),
        {"pricing.vm_hour_price": [0.02, 0.04, 0.06], "segments[0].churn_per_month": [0.0, 0.05]},
        n_replications=2,
        n_jobs=1,
    )
    ax = plot_sweep_heatmap(table, "pricing.vm_hour_price", "segments[0].churn_per_month", "npv")
    grid = ax.images[0].get_array()
    assert grid.shape == (2, 3)
    assert len(ax.texts) == 6
    first = table[
        (table["pricing.vm_hour_price"] == 0.02) & (table["segments[0].churn_per_month"] == 0.0)
    ]
    assert grid[0, 0] == pytest.approx(first["npv"].mean())
    ax2 = plot_sweep_heatmap(
        table,
        "pricing.vm_hour_price",
        "segments[0].churn_per_month",
        "total_revenue",
        threshold=5e4,
    )
    assert set(np.unique(ax2.images[0].get_array())) <= {0.0, 0.5, 1.0}
    assert ax2.get_title().startswith("P(total_revenue >= ")
    rendered(ax, tmp_path, "heatmap")


def test_heatmap_median_with_never_cells_and_own_format() -> None:
    # Payback in months after the start, "never" as infinity: a point whose median is
    # never is left blank and says so; the others show the median in the given format.
    table = pd.DataFrame(
        {
            "price": [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2],
            "discount": [0] * 6 + [1] * 6,
            "payback": [30, 40, 90, 20, 22, 24, np.inf, np.inf, 50, 30, np.inf, 31],
        }
    )
    ax = plot_sweep_heatmap(
        table,
        "price",
        "discount",
        "payback",
        agg="median",
        fmt="{:.0f} months".format,
        label="median payback",
    )
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["40 months", "22 months", "never", "31 months"]
    grid = ax.images[0].get_array()
    assert grid.mask.tolist() == [[False, False], [True, False]]
    assert ax.get_title() == "median payback"
    with pytest.raises(ValueError, match="agg must be"):
        plot_sweep_heatmap(table, "price", "discount", "payback", agg="max")  # type: ignore[arg-type]


def test_tornado_puts_the_largest_swing_on_top(tmp_path: Path) -> None:
    table = sim.sensitivity(
        tiny(**GROWING),
        {"pricing.vm_hour_price": (0.02, 0.06), "costs.marketing_per_month": (0.0, 50000.0)},
        metrics=["npv"],
        n_jobs=1,
    )
    ax = plot_tornado(table, "npv")
    labels = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    swings = table.set_index("param")["swing"].abs()
    assert labels[-1] == swings.idxmax()  # the top row
    assert len(ax.patches) == 4  # two bars per input
    rendered(ax, tmp_path, "tornado")
