"""``iaas-sim report``: one self-contained HTML page for a scenario."""

from __future__ import annotations

import shlex
import sys
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from iaas_sim.cli.common import (
    EXIT_BAD_INPUT,
    AllowLarge,
    DaskLocal,
    Jobs,
    ScenarioFile,
    Scheduler,
    Seed,
    Sets,
    between,
    nothing_written,
    parse_goals,
    refusals,
)
from iaas_sim.cli.prologue import Output, Plan, prologue
from iaas_sim.scenario import Problem, Scenario, ScenarioError
from iaas_sim.scenario.types import MAX_REPLICATIONS

if TYPE_CHECKING:
    from iaas_sim.experiments.goals import Goal


def report(
    file: ScenarioFile,
    n: Annotated[
        int,
        typer.Option(
            "-n",
            "--replications",
            help="Replications (over 1: Monte Carlo bands and goals).",
            callback=between(1, MAX_REPLICATIONS),
        ),
    ] = 1,
    seed: Seed = None,
    goal: Annotated[
        list[str] | None,
        typer.Option(
            help="A goal whose probability to show (needs -n 2 or more), e.g. "
            "'cumulative_cash >= 0 by 2020-12'; repeatable (default: npv >= 0 and payback "
            "within the run)."
        ),
    ] = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Page to write (default: results/<file name>-report.html)."),
    ] = None,
    pooling: Annotated[
        bool, typer.Option(help="Add the pooling curve of the scenario's customer mix.")
    ] = True,
    force: Annotated[
        bool, typer.Option(help="Overwrite --out even if it is not an earlier report.")
    ] = False,
    set_: Sets = None,
    allow_large: AllowLarge = False,
) -> None:
    """Write one self-contained HTML page (it opens offline): key inputs, metrics, charts
    and, with -n over 1, Monte Carlo bands and goal probabilities."""
    from iaas_sim.analysis.report import report as write_report
    from iaas_sim.cli.progress import ProgressDisplay

    def plan(scenario: Scenario) -> Plan[list[Goal]]:
        goals = parse_goals(goal)
        if goals and n < 2:
            raise ScenarioError([Problem("--goal", "goals need -n 2 or more replications")])
        return Plan(goals, n, jobs)

    output = Output("file", out_file, "{stem}-report.html", check=partial(_check_target, force))
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
        assert started.target is not None
        command = "iaas-sim " + shlex.join(sys.argv[1:]) if sys.argv[1:] else None
        shown = ProgressDisplay(n, f"{started.scenario.name}: replications") if n > 1 else None
        with refusals(interrupted=nothing_written), shown or nullcontext():
            written = write_report(
                started.scenario,
                started.target,
                n_replications=n,
                seed=started.seed,
                goals=started.parsed,
                n_jobs=jobs,
                progress=shown.advance if shown is not None else None,
                scheduler=started.scheduler,
                source=str(file),
                command=command,
                pooling=pooling,
                limits=started.limits,
            )
    sys.stdout.write(f"wrote {written}\n")


def _check_target(force: bool, target: Path) -> None:
    """Refuse a folder, an unwritable place, or a file that is not an earlier report
    (unless ``force``): a mistyped ``--out`` must not destroy a scenario file."""
    from iaas_sim.analysis.report import GENERATOR

    problem = None
    if target.is_dir():
        problem = "is a folder; give the page's file name"
    elif target.exists() and not force:
        with open(target, "rb") as existing:
            head = existing.read(4096)
        if f'name="generator" content="{GENERATOR}'.encode() not in head:
            problem = "exists and is not an iaas-sim report (add --force to overwrite it)"
    if problem:
        sys.stderr.write(f"--out: {problem} (got '{target}')\n")
        raise typer.Exit(EXIT_BAD_INPUT)
