"""``iaas-sim run``: one simulation of a scenario, its tables, metrics and chart."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from iaas_sim.cli.common import AllowLarge, Force, ScenarioFile, at_least, fail, out
from iaas_sim.cli.prologue import Output, prologue, single_run
from iaas_sim.scenario import ScenarioError
from iaas_sim.scenario.text import printable


def run(
    file: ScenarioFile,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: run.seed).", callback=at_least(0))
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: results/<file name>).")
    ] = None,
    plot: Annotated[bool, typer.Option(help="Also write cashflow.png.")] = True,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a value: PATH=VALUE (TOML value), e.g. "
            "pricing.vm_hour_price=0.04; repeatable.",
        ),
    ] = None,
    force: Force = False,
    allow_large: AllowLarge = False,
) -> None:
    """Simulate a scenario; write monthly.csv, monthly.parquet, metrics.json, cashflow.png."""
    from iaas_sim.engine import simulate

    output = Output("folder", out_dir, "{stem}", "run", force)
    with prologue(file, set_, seed, output, single_run, allow_large=allow_large) as started:
        assert started.folder is not None
        try:
            result = simulate(started.scenario, seed=started.seed)
        except ScenarioError as exc:
            fail(exc)
        written = result.save(started.folder.staging)
        if plot:
            from iaas_sim.analysis.plots import make_cashflow_figure, save_figure

            figure = make_cashflow_figure(result)
            written.append(save_figure(figure, started.folder.staging / "cashflow.png"))
        written = started.folder.commit(written, result.metadata)
    _print_summary(result.metrics, result.metadata)
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")


def _print_summary(metrics: dict[str, Any], metadata: dict[str, Any]) -> None:
    from iaas_sim.analysis.summary import metric_rows

    title = printable(f"{metadata['scenario_name']} (seed {metadata['seed']})")
    table = Table(title=Text(title))
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metric_rows(metrics, metadata.get("currency", "EUR")):
        table.add_row(name, value)
    out.print(table)
