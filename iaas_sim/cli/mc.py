"""``iaas-sim mc``: Monte Carlo replications of a scenario, with progress."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from iaas_sim.cli.common import (
    AllowLarge,
    DaskLocal,
    Force,
    Jobs,
    ScenarioFile,
    Scheduler,
    Seed,
    Sets,
    between,
    nothing_written,
    out,
    parse_goals,
    refusals,
)
from iaas_sim.cli.prologue import Output, Plan, prologue
from iaas_sim.scenario import Scenario
from iaas_sim.scenario.text import printable
from iaas_sim.scenario.types import MAX_REPLICATIONS

if TYPE_CHECKING:
    from iaas_sim.experiments.goals import Goal

Goals = Annotated[
    list[str] | None,
    typer.Option(
        help="A goal whose probability to estimate, e.g. 'npv >= 0', "
        "'payback_month <= 2020-12', 'cumulative_cash >= 0 at 2020-12'; repeatable."
    ),
]


def mc(
    file: ScenarioFile,
    n: Annotated[
        int,
        typer.Option(
            "-n", "--replications", help="Replications.", callback=between(1, MAX_REPLICATIONS)
        ),
    ] = 100,
    seed: Seed = None,
    jobs: Jobs = None,
    goal: Goals = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: results/mc-<file name>).")
    ] = None,
    set_: Sets = None,
    force: Force = False,
    allow_large: AllowLarge = False,
) -> None:
    """Monte Carlo: N replications (uncertain inputs drawn in each); writes
    replications.csv/.parquet, bands.csv, goals.csv and metadata.json."""
    from iaas_sim.cli.progress import ProgressDisplay
    from iaas_sim.experiments.montecarlo import monte_carlo

    def plan(scenario: Scenario) -> Plan[list[Goal]]:
        return Plan(parse_goals(goal), n, jobs, output_bytes=2**20 + 2_000 * n)

    output = Output("folder", out_dir, "mc-{stem}", "mc", force)
    with prologue(
        file,
        set_,
        seed,
        output,
        plan,
        allow_large=allow_large,
        scheduler=scheduler,
        dask_local=dask_local,
    ) as started:
        assert started.folder is not None
        with (
            refusals(interrupted=nothing_written),
            ProgressDisplay(n, f"{started.scenario.name}: replications") as shown,
        ):
            result = monte_carlo(
                started.scenario,
                n_replications=n,
                seed=started.seed,
                n_jobs=jobs,
                goals=started.parsed,
                progress=shown.advance,
                scheduler=started.scheduler,
                limits=started.limits,
            )
        written = started.folder.commit(result.save(started.folder.staging), result.metadata)
    _print(result)
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")


def _print(result: Any) -> None:
    from iaas_sim.analysis.summary import goal_lines, mc_rows

    name = printable(result.metadata["scenario_name"])
    table = Table(title=Text(f"{name}: {len(result.metrics):,} replications"))
    for name in ("metric", "5 %", "median", "95 %"):
        table.add_column(name, justify="right" if name != "metric" else "left", no_wrap=True)
    for name, cells in mc_rows(result):
        table.add_row(name, *cells)
    out.print(table)
    for line in goal_lines(result):
        sys.stdout.write(line + "\n")
