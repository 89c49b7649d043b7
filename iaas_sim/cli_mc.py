"""``iaas-sim mc``: Monte Carlo replications of a scenario, with progress."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from iaas_sim.cli_common import (
    AllowLarge,
    DaskLocal,
    Force,
    Jobs,
    Scheduler,
    Seed,
    Sets,
    between,
    fail,
    guard,
    out,
    output_folder,
    parse_assignments,
    scheduler_of,
    warn,
)
from iaas_sim.scenario import Problem, ScenarioError, load_scenario
from iaas_sim.scenario.text import printable
from iaas_sim.scenario.types import MAX_REPLICATIONS


def mc(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    n: Annotated[
        int,
        typer.Option(
            "-n", "--replications", help="Replications.", callback=between(1, MAX_REPLICATIONS)
        ),
    ] = 100,
    seed: Seed = None,
    jobs: Jobs = None,
    goal: Annotated[
        list[str] | None,
        typer.Option(
            help="A goal whose probability to estimate, e.g. 'npv >= 0', "
            "'payback_month <= 2020-12', 'cumulative_cash >= 0 at 2020-12'; repeatable."
        ),
    ] = None,
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
    from iaas_sim.engine.guard import UNLIMITED, command_line_limits
    from iaas_sim.experiments.executor import resolve_jobs
    from iaas_sim.experiments.goals import parse_goal
    from iaas_sim.experiments.montecarlo import monte_carlo
    from iaas_sim.progress import ProgressDisplay

    try:
        scenario = load_scenario(file)
        if set_:
            scenario = scenario.override(parse_assignments(set_))
        goals = [_goal(g, parse_goal) for g in goal or []]
        guard(scenario, allow_large, n, resolve_jobs(jobs))
    except ScenarioError as exc:
        fail(exc)
    target = out_dir if out_dir is not None else Path("results") / f"mc-{file.stem}"
    where = scheduler_of(scheduler, dask_local)
    limits = UNLIMITED if allow_large else command_line_limits()
    with output_folder(target, "mc", force, 2**20 + 2_000 * n) as folder:
        warn(file, scenario)
        try:
            with ProgressDisplay(n, f"{scenario.name}: replications") as shown:
                result = monte_carlo(
                    scenario,
                    n,
                    seed=seed,
                    n_jobs=jobs,
                    goals=goals,
                    progress=shown.advance,
                    scheduler=where,
                    limits=limits,
                )
        except ValueError as exc:  # a goal naming nothing, an unreachable scheduler...
            fail(ScenarioError([Problem(getattr(exc, "option", ""), str(exc))]))
        except KeyboardInterrupt:
            sys.stderr.write("interrupted: nothing written\n")
            raise typer.Exit(130) from None
        written = folder.commit(result.save(folder.staging), result.metadata)
    _print(result)
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")


def _goal(text: str, parse: Any) -> Any:
    try:
        return parse(text)
    except ValueError as exc:
        raise ScenarioError([Problem("--goal", str(exc))]) from None


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
