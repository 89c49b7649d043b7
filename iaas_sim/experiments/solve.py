"""Goal seeking: the value of one input at which a quantile of a metric, over the same
replications (common random numbers), meets a target; by ``scipy.optimize.brentq``.

    solve(sc, vary="pricing.vm_hour_price", target="npv >= 0", between=(0.03, 0.10))

finds the price where the median NPV crosses 0. The metric's quantile is assumed to cross
the target once between the two ends (the ends must lie on either side of it)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from iaas_sim.engine.guard import DEFAULT_LIMITS, Limits, check_resources
from iaas_sim.experiments.executor import OptionError, Progress, resolve_jobs
from iaas_sim.experiments.goals import parse_goal
from iaas_sim.experiments.sweep import sweep
from iaas_sim.scenario import Scenario, load_scenario

NEVER = 1e6
"""Stand-in month index for a month metric that never happens (no payback)."""


@dataclass(frozen=True)
class Solution:
    """The input value found, and every evaluation made on the way."""

    vary: str
    value: float
    target: str
    quantile: float
    achieved: float
    """The metric's quantile at ``value`` (a month index from the run's start for month
    metrics)."""
    meets_above: bool
    """Whether values above ``value`` meet the target (else those below)."""
    achieved_label: str = ""
    """``achieved`` as text: a month ``YYYY-MM`` (or ``never``) for month metrics."""
    evaluations: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``value``, ``quantile`` (of the metric) per evaluation, in order."""


def _check_resources(
    sc: Scenario,
    limits: Limits | None,
    vary: str,
    between: tuple[float, float],
    tolerance: float,
    n_replications: int,
    n_jobs: int | None,
) -> None:
    """The guard, once: ``vary`` anywhere in ``between``, as many evaluations as bisection
    to ``tolerance`` needs (Brent's method needs no more in practice); None: no check."""
    if limits is None:
        return
    low, high = between
    evaluations = 3 + math.ceil(math.log2(max(2.0, (high - low) / tolerance)))
    check_resources(
        sc,
        limits,
        replications=evaluations * n_replications,
        workers=resolve_jobs(n_jobs),
        ranges={vary: [low, high]},
    )


def solve(
    scenario: Scenario | str | Path | dict[str, Any],
    vary: str,
    target: str,
    *,
    between: tuple[float, float] | None = None,
    quantile: float = 0.5,
    n_replications: int = 20,
    seed: int | None = None,
    n_jobs: int | None = None,
    xtol: float | None = None,
    progress: Progress | None = None,
    scheduler: Any = None,
    limits: Limits | None = DEFAULT_LIMITS,
) -> Solution:
    """The value of ``vary`` in ``between`` at which the ``quantile`` of the target's metric
    over ``n_replications`` equals the target's threshold. Without ``between``: an uncertain
    input's range, else a quarter to four times the scenario's value. ``limits``: the
    resource guard's, checked once before anything runs, for ``vary`` anywhere in
    ``between`` and as many evaluations as bisection to ``xtol`` would need (None: no
    check)."""
    goal = parse_goal(target)
    if goal.monthly:
        raise ValueError(f"target {target!r}: give a metric, not a monthly column")
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}")
    sc = load_scenario(scenario)
    low, high = default_bracket(sc, vary) if between is None else map(float, between)
    if not low < high:
        raise ValueError(f"between: low must be below high, got {between!r}")
    tolerance = xtol or 1e-4 * (high - low)
    _check_resources(sc, limits, vary, (low, high), tolerance, n_replications, n_jobs)
    start = pd.Period(sc.run.start, freq="M")
    months = isinstance(goal.value, str)
    threshold = _month_index(goal.value, start) if months else float(goal.value)
    seen: list[tuple[float, float]] = []
    cache: dict[float, float] = {}

    def level(x: float) -> float:
        if x in cache:  # brentq evaluates the ends again
            return cache[x] - threshold
        table = sweep(
            sc,
            {"points": [{vary: x}]},
            n_replications=n_replications,
            seed=seed,
            n_jobs=n_jobs,
            method="points",
            progress=progress,
            scheduler=scheduler,
            limits=None,  # checked once above
        )
        if goal.name not in table.columns:
            raise OptionError("target", f"target {target!r}: no metric named {goal.name!r}")
        if months:
            values = np.array([_month_index(v, start) for v in table[goal.name]])
        else:
            values = pd.to_numeric(table[goal.name], errors="coerce").to_numpy(dtype=float)
        # Months: an observed month (or never), not a blend of a month and "never".
        q = float(np.nanquantile(values, quantile, method="inverted_cdf" if months else "linear"))
        seen.append((x, q))
        cache[x] = q
        return q - threshold

    f_low, f_high = level(low), level(high)
    if f_low == 0.0 or f_high == 0.0:
        root = low if f_low == 0.0 else high
    elif np.sign(f_low) == np.sign(f_high):
        raise OptionError(
            "target",
            f"the target is not crossed between {low:g} and {high:g}: the {quantile:.0%} "
            f"quantile of {goal.name} is {seen[0][1]:g} at {low:g} and {seen[1][1]:g} at "
            f"{high:g} (target {goal.value})",
        )
    else:
        root = float(brentq(level, low, high, xtol=tolerance, maxiter=60))
    achieved = level(root) + threshold
    rising = f_high > f_low
    meets_above = rising == (goal.op in (">=", ">"))
    if not months:
        label = f"{achieved:.6g}"
    elif achieved >= NEVER:
        label = "never"
    else:
        label = str(start + int(np.floor(achieved)))
    return Solution(
        vary,
        root,
        target,
        quantile,
        achieved,
        meets_above,
        label,
        pd.DataFrame(seen, columns=["value", "quantile"]),
    )


def default_bracket(sc: Scenario, vary: str) -> tuple[float, float]:
    """Where to search when no range is given: an uncertain input's range, else a quarter
    to four times the scenario's (positive) value."""
    from iaas_sim.scenario.load import scenario_to_dict
    from iaas_sim.scenario.overrides import canonical_path, get_path

    data = scenario_to_dict(sc)
    try:
        value = get_path(data, vary)
        key = canonical_path(data, vary)
    except (KeyError, ValueError) as exc:
        raise OptionError("vary", f"{vary}: {exc.args[0]}") from None
    for path, dist in sc.uncertain.items():
        if canonical_path(data, path) == key:
            ends = dist.extremes()
            return float(min(ends)), float(max(ends))
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise OptionError("between", f"{vary}: give the range to search (its value is {value!r})")
    return value / 4.0, value * 4.0


def _month_index(value: Any, start: pd.Period) -> float:
    """A month ``YYYY-MM`` as months since the run's start; a missing month (never) far in
    the future."""
    if isinstance(value, str):
        return float((pd.Period(value, freq="M") - start).n)
    return NEVER
