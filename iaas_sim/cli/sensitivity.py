"""``iaas-sim sensitivity``: which inputs matter (tornado, Sobol indices, Morris effects)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from iaas_sim.cli.common import (
    AllowLarge,
    DaskLocal,
    Force,
    Jobs,
    PointReplications,
    ScenarioFile,
    Scheduler,
    Seed,
    Sets,
    between,
    out,
    refusals,
)
from iaas_sim.cli.params import check_ends, parse_params
from iaas_sim.cli.prologue import Output, Plan, prologue
from iaas_sim.scenario import Problem, Scenario, ScenarioError

METHODS = ("oat", "sobol", "morris")


@dataclass(frozen=True)
class Design:
    params: dict[str, tuple[float, float]]
    points: int
    """Points the method evaluates (each ``-n`` replications)."""


def sensitivity(
    file: ScenarioFile,
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
    from iaas_sim.cli.progress import ProgressDisplay
    from iaas_sim.experiments.sensitivity import sensitivity as run
    from iaas_sim.scenario.load import scenario_hash
    from iaas_sim.util.files import atomic_write

    def plan(scenario: Scenario) -> Plan[Design]:
        params = parse_params(param, "lhs")  # ranges
        if method not in METHODS:
            raise ScenarioError([Problem("--method", "must be oat, sobol or morris", method, True)])
        for path, (low, high) in params.items():  # every end checked before anything runs
            check_ends(scenario, path, low, high)
        k = len(params)
        points = {"oat": 1 + 2 * k, "sobol": samples * (k + 2), "morris": samples * (k + 1)}
        design = Design(params, points[method])
        option = "-n" if method == "oat" else "--samples"
        return Plan(design, design.points * n, jobs, option)

    output = Output("folder", out_dir, "sensitivity-{stem}", "sensitivity", force)
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
        target, folder = started.target, started.folder
        assert target is not None
        assert folder is not None
        label = f"{started.scenario.name}: sensitivity replications"
        with refusals(), ProgressDisplay(started.parsed.points * n, label) as shown:
            table = run(
                started.scenario,
                started.parsed.params,
                metrics=metric or ["npv"],
                method=method,
                n_samples=samples,
                n_replications=n,
                seed=started.seed,
                n_jobs=jobs,
                progress=shown.advance,
                scheduler=started.scheduler,
                limits=started.limits,
            )
        csv = folder.staging / "sensitivity.csv"
        written = atomic_write(csv, lambda p: table.to_csv(p, index=False))
        facts = {"scenario_hash": scenario_hash(started.scenario), "seed": started.seed}
        folder.commit([written], facts)
    _print(table, method, n)
    sys.stdout.write(f"wrote {target / 'sensitivity.csv'}\n")


def _print(table: Any, method: str, n: int) -> None:
    t = Table(title=f"Sensitivity ({method}, {n} replication(s) per point)")
    for column in table.columns:
        t.add_column(column, justify="left" if column in ("metric", "param") else "right")
    for row in table.itertuples(index=False):
        t.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row))
    out.print(t)
