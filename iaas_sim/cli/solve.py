"""``iaas-sim solve``: goal seek, the value of one input at which a metric meets a target."""

from __future__ import annotations

import sys
from functools import partial
from typing import Annotated

import typer

from iaas_sim.cli.common import (
    AllowLarge,
    DaskLocal,
    Jobs,
    ScenarioFile,
    Scheduler,
    Seed,
    Sets,
    at_least,
    checked,
    refusals,
)
from iaas_sim.cli.params import check_ends, parse_params
from iaas_sim.cli.prologue import Plan, prologue
from iaas_sim.scenario import Problem, Scenario, ScenarioError


def solve(
    file: ScenarioFile,
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
    allow_large: AllowLarge = False,
) -> None:
    """Goal seek: the value of one input at which a quantile of a metric meets a target
    (scipy's brentq, the same replications at every evaluation)."""
    from iaas_sim.experiments.goals import parse_goal
    from iaas_sim.experiments.solve import default_bracket
    from iaas_sim.experiments.solve import solve as run

    def plan(scenario: Scenario) -> Plan[tuple[float, float]]:
        if between is None:
            low, high = checked(partial(default_bracket, scenario, vary), "--between")
        else:
            low, high = parse_params([f"{vary}={between}"], "lhs")[vary]
        check_ends(scenario, vary, low, high)
        checked(partial(parse_goal, target), "--target")
        if not 0.0 < quantile < 1.0:
            raise ScenarioError([Problem("--quantile", "must be between 0 and 1", quantile, True)])
        # Not guarded here: solve checks itself, for the input anywhere in the range.
        return Plan((low, high), replications=None)

    with (
        prologue(
            file,
            set_,
            seed,
            None,
            plan,
            allow_large=allow_large,
            scheduler=scheduler,
            dask_local=dask_local,
        ) as go,
        refusals(),
    ):
        found = run(
            go.scenario,
            vary,
            target,
            between=go.parsed,
            quantile=quantile,
            n_replications=n,
            seed=go.seed,
            n_jobs=jobs,
            scheduler=go.scheduler,
            limits=go.limits,
        )
    side = "at or above" if found.meets_above else "at or below"
    sys.stdout.write(
        f"{vary} = {found.value:.6g}: the {quantile:.0%} quantile of the metric is "
        f"{found.achieved_label} there; values {side} it meet '{target}' "
        f"({len(found.evaluations)} evaluations of {n} replications)\n"
    )
