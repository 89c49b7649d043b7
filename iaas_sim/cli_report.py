"""``iaas-sim report``: one self-contained HTML page for a scenario."""

from __future__ import annotations

import shlex
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from iaas_sim.cli_common import (
    EXIT_BAD_INPUT,
    AllowLarge,
    DaskLocal,
    Jobs,
    Scheduler,
    Seed,
    Sets,
    between,
    fail,
    guard,
    output_file,
    parse_assignments,
    scheduler_of,
    warn,
)
from iaas_sim.scenario import Problem, ScenarioError, load_scenario
from iaas_sim.scenario.types import MAX_REPLICATIONS


def report(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
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
    from iaas_sim.experiments.executor import resolve_jobs
    from iaas_sim.experiments.goals import parse_goal

    try:
        scenario = load_scenario(file)
        if set_:
            scenario = scenario.override(parse_assignments(set_))
        goals = []
        for text in goal or []:
            try:
                goals.append(parse_goal(text))
            except ValueError as exc:
                raise ScenarioError([Problem("--goal", str(exc))]) from None
        if goals and n < 2:
            raise ScenarioError([Problem("--goal", "goals need -n 2 or more replications")])
        guard(scenario, allow_large, n, resolve_jobs(jobs))
    except ScenarioError as exc:
        fail(exc)
    target = out_file if out_file is not None else Path("results") / f"{file.stem}-report.html"
    with output_file(target) as real:  # a FIFO, a folder... refused before it is opened
        _check_target(real, force)
        _write(scenario, file, real, n, seed, goals, jobs, scheduler, dask_local, pooling)


def _write(
    scenario: Any,
    file: Path,
    target: Path,
    n: int,
    seed: int | None,
    goals: list[Any],
    jobs: int | None,
    scheduler: str | None,
    dask_local: int | None,
    pooling: bool,
) -> None:
    from iaas_sim.analysis.report import report as write_report
    from iaas_sim.progress import ProgressDisplay

    where = scheduler_of(scheduler, dask_local)
    warn(file, scenario)
    command = "iaas-sim " + shlex.join(sys.argv[1:]) if sys.argv[1:] else None
    try:
        shown = ProgressDisplay(n, f"{scenario.name}: replications") if n > 1 else None
        with shown if shown is not None else nullcontext():
            written = write_report(
                scenario,
                target,
                n_replications=n,
                seed=seed,
                goals=goals,
                n_jobs=jobs,
                progress=shown.advance if shown is not None else None,
                scheduler=where,
                source=str(file),
                command=command,
                pooling=pooling,
            )
    except ValueError as exc:  # a goal naming nothing, an unreachable scheduler...
        fail(ScenarioError([Problem(getattr(exc, "option", ""), str(exc))]))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing written\n")
        raise typer.Exit(130) from None
    sys.stdout.write(f"wrote {written}\n")


def _check_target(target: Path, force: bool) -> None:
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
