"""``iaas-sim compare``: several scenarios' cash-flow curves on one chart, their key
metrics side by side."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from iaas_sim.cli.common import AllowLarge, at_least, fail, out
from iaas_sim.cli.prologue import guard, output_file
from iaas_sim.scenario import Problem, ScenarioError, load_scenario
from iaas_sim.scenario.text import printable


def compare(
    files: Annotated[list[Path], typer.Argument(help="Scenario files (TOML), two or more.")],
    seed: Annotated[
        int | None,
        typer.Option(help="Seed for every run (default: each run.seed).", callback=at_least(0)),
    ] = None,
    out_file: Annotated[Path, typer.Option("--out", help="Chart to write.")] = Path(
        "results/compare.png"
    ),
    allow_large: AllowLarge = False,
) -> None:
    """Overlay the cumulative free cash flow of several scenarios (e.g. the 2012 plan
    against the 2014 reality) and print their key metrics side by side."""
    from iaas_sim.analysis.plots import _new_axes, format_money, plot_cashflow
    from iaas_sim.engine import simulate

    try:
        scenarios = [load_scenario(f) for f in files]
        if len(scenarios) < 2:
            raise ScenarioError([Problem("FILES", "give at least two scenarios to compare")])
    except ScenarioError as exc:
        fail(exc)
    from iaas_sim.engine.guard import UNLIMITED, command_line_limits

    limits = UNLIMITED if allow_large else command_line_limits()
    try:
        for sc in scenarios:  # each run, before any of them starts
            guard(sc, limits)
    except ScenarioError as exc:
        fail(exc)
    with output_file(out_file) as real:
        try:
            results = [simulate(sc, seed=seed) for sc in scenarios]
        except ScenarioError as exc:
            fail(exc)
        ax = _new_axes(None)
        plot_cashflow(results, ax=ax, labels=[sc.name for sc in scenarios])
        _save(ax, real)
    table = Table(title="Compared")
    table.add_column("metric")
    for sc in scenarios:
        table.add_column(Text(printable(sc.name)), justify="right")
    rows: tuple[tuple[str, Callable[[Any], Any]], ...] = (
        ("total revenue", lambda r: format_money(r.metrics["total_revenue"])),
        ("peak funding", lambda r: format_money(r.metrics["peak_funding"])),
        ("payback", lambda r: r.metrics["payback_month"] or "never"),
        ("break-even", lambda r: r.metrics["breakeven_month"] or "never"),
        ("NPV", lambda r: format_money(r.metrics["npv"])),
        ("mean utilisation", lambda r: f"{r.metrics['mean_utilisation']:.1%}"),
    )
    for name, show in rows:
        table.add_row(name, *(str(show(r)) for r in results))
    out.print(table)
    sys.stdout.write(f"wrote {out_file}\n")


def _save(ax: Any, path: Path) -> Path:
    from iaas_sim.analysis.plots import save_figure

    return save_figure(ax.get_figure(root=True), path)
