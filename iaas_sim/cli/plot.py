"""``iaas-sim plot``: the charts of a saved run, Monte Carlo, sweep or sensitivity folder."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from iaas_sim.cli.common import fail
from iaas_sim.cli.prologue import output_folder
from iaas_sim.scenario import Problem, ScenarioError

KINDS = {
    "run": ("cashflow", "utilisation", "revenue-mix", "revenue-channels"),
    "mc": ("fan",),
    "sweep": ("heatmap",),
    "sensitivity": ("tornado",),
}


def plot(
    folder: Annotated[
        Path, typer.Argument(help="A folder written by run, mc, sweep or sensitivity.")
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            help="run: cashflow, utilisation, revenue-mix, revenue-channels; mc: fan; sweep: "
            "heatmap; sensitivity: tornado (default: all of the folder's)."
        ),
    ] = None,
    column: Annotated[
        str, typer.Option(help="fan: the monthly column.")
    ] = "cumulative_free_cash_flow",
    x: Annotated[str | None, typer.Option(help="heatmap: the parameter across.")] = None,
    y: Annotated[str | None, typer.Option(help="heatmap: the parameter up.")] = None,
    metric: Annotated[str, typer.Option(help="heatmap, tornado: the metric.")] = "npv",
    threshold: Annotated[
        float | None, typer.Option(help="heatmap: P(metric >= threshold).")
    ] = None,
) -> None:
    """Draw the charts of a saved folder, as PNG files next to its tables."""
    what = _folder_kind(folder)
    kinds = [kind] if kind else list(KINDS[what])
    for k in kinds:
        if k not in KINDS[what]:
            fail(
                ScenarioError(
                    [Problem("--kind", f"a {what} folder has {', '.join(KINDS[what])}", k, True)]
                )
            )
    opts = {"column": column, "x": x, "y": y, "metric": metric, "threshold": threshold}
    with output_folder(folder, None, keep_outputs=True) as staged:
        try:
            drawn = [_draw(folder, staged.staging, what, k, **opts) for k in kinds]
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise
            fail(
                ScenarioError(
                    [Problem("FOLDER", f"cannot read its {what} files ({exc})", str(folder), True)]
                )
            )
        written = staged.commit(drawn, {})
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written[:-1]) + "\n")


def save_axes(ax: Any, path: Path) -> Path:
    from iaas_sim.analysis.plots import save_figure

    return save_figure(ax.get_figure(root=True), path)


def _folder_kind(folder: Path) -> str:
    if (folder / "metrics.json").exists() and (folder / "monthly.parquet").exists():
        return "run"
    if (folder / "bands.csv").exists():
        return "mc"
    if (folder / "manifest.json").exists():
        return "sweep"
    if (folder / "sensitivity.csv").exists():
        return "sensitivity"
    fail(
        ScenarioError(
            [
                Problem(
                    "FOLDER",
                    "not a folder written by run, mc, sweep or sensitivity",
                    str(folder),
                    True,
                )
            ]
        )
    )


def _draw(folder: Path, dest: Path, what: str, kind: str, **opts: Any) -> Path:
    """Chart ``kind`` of ``folder``'s tables, written in ``dest``."""
    from iaas_sim.analysis import charts
    from iaas_sim.analysis.plots import make_cashflow_figure, save_figure

    if what == "run":
        from iaas_sim.engine import load_result

        result = load_result(folder)
        if kind == "cashflow":
            return save_figure(make_cashflow_figure(result), dest / "cashflow.png")
        if kind == "utilisation":
            ax = charts.plot_utilisation(result)
        else:
            ax = charts.plot_revenue_mix(
                result, by="stream" if kind == "revenue-mix" else "channel"
            )
        return save_axes(ax, dest / f"{kind}.png")
    if what == "mc":
        from iaas_sim.experiments.montecarlo import MonteCarloResult

        tidy = pd.read_csv(folder / "bands.csv")
        if opts["column"] not in set(tidy["column"]):
            fail(
                ScenarioError(
                    [
                        Problem(
                            "--column",
                            f"not in bands.csv (there: {', '.join(sorted(set(tidy['column'])))})",
                            opts["column"],
                            True,
                        )
                    ]
                )
            )
        tidy["month"] = pd.PeriodIndex(tidy["month"], freq="M")
        bands = tidy.pivot_table(index="month", columns=["column", "quantile"], values="value")
        reps = pd.read_parquet(folder / "replications.parquet")
        ax = charts.plot_fan(MonteCarloResult(reps, bands, 0), opts["column"])
        return save_axes(ax, dest / f"fan-{opts['column']}.png")
    if what == "sweep":
        from iaas_sim.experiments.dataset import read_sweep

        table = read_sweep(folder)
        x, y = opts["x"], opts["y"]
        if (
            x is None
            or y is None
            or x not in table
            or y not in table
            or opts["metric"] not in table
        ):
            fail(
                ScenarioError(
                    [
                        Problem(
                            "--x/--y/--metric",
                            f"give two swept parameters and a metric of {folder}",
                            f"{x}, {y}, {opts['metric']}",
                            True,
                        )
                    ]
                )
            )
        ax = charts.plot_sweep_heatmap(table, x, y, opts["metric"], threshold=opts["threshold"])
        return save_axes(ax, dest / f"heatmap-{opts['metric']}.png")
    table = pd.read_csv(folder / "sensitivity.csv")
    if "swing" not in table:
        fail(
            ScenarioError(
                [
                    Problem(
                        "--kind",
                        "a tornado needs a one-at-a-time (oat) sensitivity",
                        "tornado",
                        True,
                    )
                ]
            )
        )
    ax = charts.plot_tornado(table, opts["metric"])
    return save_axes(ax, dest / f"tornado-{opts['metric']}.png")
