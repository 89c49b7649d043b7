"""``iaas-sim sweep``: a design over parameters, written to a resumable Parquet dataset."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from iaas_sim.cli.common import (
    AllowLarge,
    DaskLocal,
    Jobs,
    PointReplications,
    ScenarioFile,
    Scheduler,
    Seed,
    Sets,
    between,
    checked,
    out,
    refusals,
)
from iaas_sim.cli.output import write_marker
from iaas_sim.cli.params import parse_params
from iaas_sim.cli.prologue import Output, Plan, prologue, root_seed
from iaas_sim.scenario import Problem, Scenario, ScenarioError
from iaas_sim.scenario.types import MAX_POINTS

SHOWN = 30
"""Points listed in the summary (the table on disk has them all)."""


@dataclass(frozen=True)
class Design:
    params: dict[str, Any]
    total: int
    """Replications of the whole sweep (points x replications)."""


def sweep(
    file: ScenarioFile,
    param: Annotated[
        list[str],
        typer.Option(
            help="PATH=LOW:HIGH:COUNT (grid of COUNT values), PATH=LOW:HIGH (range, for lhs "
            "and sobol) or PATH=[v1, v2, ...]; repeatable."
        ),
    ],
    method: Annotated[str, typer.Option(help="grid, lhs or sobol.")] = "grid",
    points: Annotated[
        int | None,
        typer.Option(help="Points of an lhs or sobol design.", callback=between(1, MAX_POINTS)),
    ] = None,
    n: PointReplications = 1,
    seed: Seed = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: results/sweep-<file name>)."),
    ] = None,
    set_: Sets = None,
    allow_large: AllowLarge = False,
) -> None:
    """Sweep parameters: one row per point x replication in OUT/data/*.parquet (written as
    batches finish) and OUT/sweep.csv; re-running the same sweep resumes where it stopped."""
    from iaas_sim.cli.progress import ProgressDisplay
    from iaas_sim.experiments.sweep import sweep as run_sweep
    from iaas_sim.scenario.load import scenario_hash

    def plan(scenario: Scenario) -> Plan[Design]:
        design = _design(scenario, param, method, points, n, root_seed(scenario, seed))
        return Plan(design, design.total, jobs, "--param/--points/-n")

    with prologue(
        file,
        set_,
        seed,
        Output("dataset", out_dir, "sweep-{stem}"),
        plan,
        allow_large=allow_large,
        scheduler=scheduler,
        dask_local=dask_local,
    ) as started:
        target, params = started.target, started.parsed.params
        assert target is not None
        label = f"{started.scenario.name}: sweep replications"
        with (
            refusals(interrupted=partial(_resume_hint, target)),
            ProgressDisplay(started.parsed.total, label) as shown,
        ):
            table = run_sweep(
                started.scenario,
                params,
                n_replications=n,
                seed=started.seed,
                n_jobs=jobs,
                method=method,
                n_points=points,
                out=target,
                progress=shown.advance,
                scheduler=started.scheduler,
                limits=started.limits,
            )
        facts = {"scenario_hash": scenario_hash(started.scenario), "seed": started.seed}
        write_marker(target, "sweep", [target / "sweep.csv", target / "manifest.json"], facts)
    _print(table, list(params))
    sys.stdout.write(f"wrote {target / 'data'}/ ({len(table):,} rows), {target / 'sweep.csv'}\n")


def _design(
    scenario: Scenario,
    items: list[str],
    method: str,
    points: int | None,
    n: int,
    root: int,
) -> Design:
    """The ``--param`` items read and the design's points counted, every refusal (a
    ``ScenarioError``) before anything runs."""
    from iaas_sim.experiments.sweep import check_params, design_points

    if method not in ("grid", "lhs", "sobol"):
        raise ScenarioError([Problem("--method", "must be grid, lhs or sobol", method, True)])
    if method != "grid" and points is None:
        raise ScenarioError([Problem("--points", f"a {method} design needs --points N")])
    params = parse_params(items, method)
    checked(partial(check_params, scenario, list(params)), "--param")
    design = checked(partial(design_points, params, method, points, root), "--param")
    return Design(params, len(design) * n)


def _resume_hint(target: Path) -> str:
    done = len(list((target / "data").glob("part-*.parquet")))
    return (
        f"interrupted: {done} finished batch(es) kept in {target / 'data'}; run the same "
        "command again to resume"
    )


def _print(table: Any, params: list[str]) -> None:
    from iaas_sim.analysis.plots import format_money

    grouped = table.groupby("point", sort=True)
    summary = grouped[params].first()
    for metric in ("total_revenue", "npv", "peak_funding"):
        summary[metric] = grouped[metric].mean()
    summary["pays back"] = grouped["payback_month"].agg(lambda s: s.notna().mean())
    reps = int(grouped.size().max())
    t = Table(title=f"{len(summary):,} points x {reps} replications (means over replications)")
    for name in ("point", *params, "revenue", "NPV", "peak funding", "pays back"):
        t.add_column(name, justify="right", no_wrap=True)
    for point, row in summary.head(SHOWN).iterrows():
        t.add_row(
            str(point),
            *(f"{row[p]:.6g}" if isinstance(row[p], int | float) else str(row[p]) for p in params),
            format_money(row["total_revenue"]),
            format_money(row["npv"]),
            format_money(row["peak_funding"]),
            f"{row['pays back']:.0%}",
        )
    out.print(t)
    if len(summary) > SHOWN:
        sys.stdout.write(f"({len(summary) - SHOWN:,} more points in sweep.csv)\n")
