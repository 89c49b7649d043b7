"""``iaas-sim sweep``: a design over parameters, written to a resumable Parquet dataset."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from iaas_sim.cli_common import (
    AllowLarge,
    DaskLocal,
    Jobs,
    PointReplications,
    Scheduler,
    Seed,
    Sets,
    between,
    fail,
    guard,
    locked_folder,
    out,
    parse_assignments,
    scheduler_of,
    warn,
)
from iaas_sim.cli_output import write_marker
from iaas_sim.scenario import Problem, ScenarioError, load_scenario
from iaas_sim.scenario.types import MAX_POINTS

SHOWN = 30
"""Points listed in the summary (the table on disk has them all)."""


def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
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
    from iaas_sim.engine.guard import UNLIMITED, command_line_limits
    from iaas_sim.experiments.executor import resolve_jobs
    from iaas_sim.experiments.sweep import check_params, design_points

    try:
        scenario = load_scenario(file)
        if set_:
            scenario = scenario.override(parse_assignments(set_))
        if method not in ("grid", "lhs", "sobol"):
            raise ScenarioError([Problem("--method", "must be grid, lhs or sobol", method, True)])
        if method != "grid" and points is None:
            raise ScenarioError([Problem("--points", f"a {method} design needs --points N")])
        params = parse_params(param, method)
        root = scenario.run.seed if seed is None else seed
        _checked(lambda: check_params(scenario, list(params)))
        total = len(_checked(lambda: design_points(params, method, points, root))) * n
        guard(scenario, allow_large, total, resolve_jobs(jobs), "--param/--points/-n")
    except ScenarioError as exc:
        fail(exc)
    target = out_dir if out_dir is not None else Path("results") / f"sweep-{file.stem}"
    where = scheduler_of(scheduler, dask_local)
    limits = UNLIMITED if allow_large else command_line_limits()
    with locked_folder(target) as target:
        table = _run(
            scenario, file, params, n, seed, jobs, method, points, target, where, limits, total
        )
        from iaas_sim.scenario.load import scenario_hash

        facts = {"scenario_hash": scenario_hash(scenario), "seed": root}
        write_marker(target, "sweep", [target / "sweep.csv", target / "manifest.json"], facts)
    _print(table, list(params))
    sys.stdout.write(f"wrote {target / 'data'}/ ({len(table):,} rows), {target / 'sweep.csv'}\n")


def _run(
    scenario: Any,
    file: Path,
    params: dict[str, Any],
    n: int,
    seed: int | None,
    jobs: int | None,
    method: str,
    points: int | None,
    target: Path,
    where: Any,
    limits: Any,
    total: int,
) -> Any:
    from iaas_sim.experiments.sweep import sweep as run_sweep
    from iaas_sim.progress import ProgressDisplay

    warn(file, scenario)
    try:
        with ProgressDisplay(total, f"{scenario.name}: sweep replications") as shown:
            table = run_sweep(
                scenario,
                params,
                n_replications=n,
                seed=seed,
                n_jobs=jobs,
                method=method,
                n_points=points,
                out=target,
                progress=shown.advance,
                scheduler=where,
                limits=limits,
            )
    except ValueError as exc:  # another sweep in the folder, an unreachable scheduler...
        fail(ScenarioError([Problem(getattr(exc, "option", ""), str(exc))]))
    except KeyboardInterrupt:
        done = len(list((target / "data").glob("part-*.parquet")))
        sys.stderr.write(
            f"interrupted: {done} finished batch(es) kept in {target / 'data'}; run the same "
            "command again to resume\n"
        )
        raise typer.Exit(130) from None
    return table


def _checked(make: Any) -> Any:
    try:
        return make()
    except ValueError as exc:
        raise ScenarioError([Problem(getattr(exc, "option", "--param"), str(exc))]) from None


def parse_params(items: list[str], method: str) -> dict[str, Any]:
    """``["a.b=0.03:0.08:6", "c=[1, 2]"]`` -> ``{"a.b": [0.03, ...], "c": [1, 2]}`` (grid)
    or ``{"a.b": (0.03, 0.08)}`` (ranges, for lhs and sobol)."""
    params: dict[str, Any] = {}
    for item in items:
        path, sep, spec = item.partition("=")
        path, spec = path.strip(), spec.strip()
        if not sep or not path or not spec:
            raise ScenarioError([Problem("--param", "must be written PATH=SPEC", item, True)])
        if spec.startswith("["):
            try:
                params[path] = tomllib.loads(f"v = {spec}")["v"]
            except tomllib.TOMLDecodeError as exc:
                raise ScenarioError(
                    [Problem(f"--param {path}", f"not a TOML list ({exc})", spec, True)]
                ) from None
            if not params[path]:
                raise ScenarioError(
                    [Problem(f"--param {path}", "give a non-empty list of values", spec, True)]
                )
            continue
        parts = spec.split(":")
        try:
            numbers = [float(p) for p in parts[:2]]
            count = int(parts[2]) if len(parts) == 3 else None
        except ValueError:
            numbers, count = [], None
        if len(parts) not in (2, 3) or len(numbers) != 2:
            raise ScenarioError(
                [
                    Problem(
                        f"--param {path}",
                        "write LOW:HIGH:COUNT, LOW:HIGH or [v1, v2, ...]",
                        spec,
                        True,
                    )
                ]
            )
        low, high = numbers
        if not low < high:
            raise ScenarioError(
                [
                    Problem(
                        f"--param {path}",
                        "LOW must be below HIGH (an empty or reversed range)",
                        spec,
                        True,
                    )
                ]
            )
        if method == "grid":
            if count is not None and count > MAX_POINTS:
                raise ScenarioError(
                    [
                        Problem(
                            f"--param {path}",
                            f"COUNT must be at most {MAX_POINTS:,}",
                            spec,
                            True,
                        )
                    ]
                )
            if count is None or count < 1:
                raise ScenarioError(
                    [
                        Problem(
                            f"--param {path}",
                            "a grid needs LOW:HIGH:COUNT with COUNT >= 1",
                            spec,
                            True,
                        )
                    ]
                )
            params[path] = [round(float(v), 12) for v in np.linspace(low, high, count)]
        else:
            params[path] = (low, high)
    return params


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
