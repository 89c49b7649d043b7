"""``iaas-sim sensitivity`` (tornado, Sobol, Morris) and ``iaas-sim solve`` (goal seek)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from iaas_sim.cli_common import (
    AllowLarge,
    DaskLocal,
    Force,
    Jobs,
    PointReplications,
    Scheduler,
    Seed,
    Sets,
    at_least,
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


def sensitivity(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    param: Annotated[list[str], typer.Option(help="PATH=LOW:HIGH; repeatable.")],
    metric: Annotated[
        list[str] | None, typer.Option(help="Metric (default npv); repeatable.")
    ] = None,
    method: Annotated[str, typer.Option(help="oat (tornado), sobol or morris.")] = "oat",
    samples: Annotated[
        int,
        typer.Option(
            help="Base samples (sobol) or trajectories (morris).",
            callback=between(2, 100_000),
        ),
    ] = 64,
    n: PointReplications = 1,
    seed: Seed = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: results/sensitivity-<file name>)."),
    ] = None,
    set_: Sets = None,
    force: Force = False,
    allow_large: AllowLarge = False,
) -> None:
    """Which inputs matter: one-at-a-time swings (tornado), Sobol indices or Morris effects;
    writes sensitivity.csv."""
    from iaas_sim.cli_sweep import parse_params
    from iaas_sim.engine.result import atomic_write
    from iaas_sim.experiments.executor import resolve_jobs

    try:
        scenario = load_scenario(file)
        if set_:
            scenario = scenario.override(parse_assignments(set_))
        params = parse_params(param, "lhs")  # ranges
        if method not in ("oat", "sobol", "morris"):
            raise ScenarioError([Problem("--method", "must be oat, sobol or morris", method, True)])
        # Every end of every range checked before anything runs.
        for path, (low, high) in params.items():
            scenario.override({path: _rounded(scenario, path, low)})
            scenario.override({path: _rounded(scenario, path, high)})
    except ScenarioError as exc:
        fail(exc)
    where = scheduler_of(scheduler, dask_local)
    target = out_dir if out_dir is not None else Path("results") / f"sensitivity-{file.stem}"
    k = len(params)
    points = {"oat": 1 + 2 * k, "sobol": samples * (k + 2), "morris": samples * (k + 1)}[method]
    try:
        option = "-n" if method == "oat" else "--samples"
        guard(scenario, allow_large, points * n, resolve_jobs(jobs), option)
    except ScenarioError as exc:
        fail(exc)
    with output_folder(target, "sensitivity", force) as folder:
        table = _run(scenario, file, params, metric, method, samples, n, seed, jobs, where, points)
        written = atomic_write(
            folder.staging / "sensitivity.csv", lambda p: table.to_csv(p, index=False)
        )
        from iaas_sim.scenario.load import scenario_hash

        facts = {
            "scenario_hash": scenario_hash(scenario),
            "seed": scenario.run.seed if seed is None else seed,
        }
        folder.commit([written], facts)
    t = Table(title=f"Sensitivity ({method}, {n} replication(s) per point)")
    for column in table.columns:
        t.add_column(column, justify="left" if column in ("metric", "param") else "right")
    for row in table.itertuples(index=False):
        t.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row))
    out.print(t)
    sys.stdout.write(f"wrote {target / 'sensitivity.csv'}\n")


def _run(
    scenario: Any,
    file: Path,
    params: dict[str, Any],
    metric: list[str] | None,
    method: str,
    samples: int,
    n: int,
    seed: int | None,
    jobs: int | None,
    where: Any,
    points: int,
) -> Any:
    from iaas_sim.experiments.sensitivity import sensitivity as run
    from iaas_sim.progress import ProgressDisplay

    warn(file, scenario)
    try:
        with ProgressDisplay(points * n, f"{scenario.name}: sensitivity replications") as shown:
            table = run(
                scenario,
                params,
                metrics=metric or ["npv"],
                method=method,
                n_samples=samples,
                n_replications=n,
                seed=seed,
                n_jobs=jobs,
                progress=shown.advance,
                scheduler=where,
            )
    except ValueError as exc:
        fail(ScenarioError([Problem(getattr(exc, "option", ""), str(exc))]))
    return table


def solve(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    vary: Annotated[str, typer.Option(help="Dotted path of the input to find.")],
    target: Annotated[str, typer.Option(help="E.g. 'npv >= 0' or 'payback_month <= 2020-12'.")],
    between: Annotated[
        str | None,
        typer.Option(
            help="LOW:HIGH, the range to search (default: the input's uncertain range, else "
            "a quarter to four times its value)."
        ),
    ] = None,
    quantile: Annotated[float, typer.Option(help="Quantile of the metric (0.5: median).")] = 0.5,
    n: Annotated[
        int,
        typer.Option(
            "-n", "--replications", help="Replications per evaluation.", callback=at_least(1)
        ),
    ] = 20,
    seed: Seed = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    set_: Sets = None,
) -> None:
    """Goal seek: the value of one input at which a quantile of a metric meets a target
    (scipy's brentq, the same replications at every evaluation)."""
    from iaas_sim.cli_sweep import parse_params
    from iaas_sim.experiments.goals import parse_goal
    from iaas_sim.experiments.solve import solve as run

    try:
        scenario = load_scenario(file)
        if set_:
            scenario = scenario.override(parse_assignments(set_))
        from iaas_sim.experiments.solve import default_bracket

        if between is None:
            low, high = _check(lambda: default_bracket(scenario, vary), "--between")
        else:
            low, high = parse_params([f"{vary}={between}"], "lhs")[vary]
        scenario.override({vary: _rounded(scenario, vary, low)})
        scenario.override({vary: _rounded(scenario, vary, high)})
        _check(lambda: parse_goal(target), "--target")
        if not 0.0 < quantile < 1.0:
            raise ScenarioError([Problem("--quantile", "must be between 0 and 1", quantile, True)])
    except ScenarioError as exc:
        fail(exc)
    where = scheduler_of(scheduler, dask_local)
    try:
        found = run(scenario, vary, target, (low, high), quantile, n, seed, jobs, scheduler=where)
    except ValueError as exc:
        fail(ScenarioError([Problem(getattr(exc, "option", ""), str(exc))]))
    side = "at or above" if found.meets_above else "at or below"
    sys.stdout.write(
        f"{vary} = {found.value:.6g}: the {quantile:.0%} quantile of the metric is "
        f"{found.achieved_label} there; values {side} it meet '{target}' "
        f"({len(found.evaluations)} evaluations of {n} replications)\n"
    )


def _check(make: Any, option: str) -> Any:
    try:
        return make()
    except ValueError as exc:
        raise ScenarioError([Problem(getattr(exc, "option", option), str(exc))]) from None


def _rounded(scenario: Any, path: str, value: float) -> float:
    """``value`` rounded when the key holds a whole number (its checks want one)."""
    from iaas_sim.scenario.load import scenario_to_dict
    from iaas_sim.scenario.overrides import get_path

    try:
        current = get_path(scenario_to_dict(scenario), path)
    except (KeyError, ValueError):
        return value  # the override check names the bad path
    whole = isinstance(current, int) and not isinstance(current, bool)
    return round(value) if whole else value
