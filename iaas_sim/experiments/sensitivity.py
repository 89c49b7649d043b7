"""Which inputs matter: one-at-a-time swings (tornado), and SALib's variance-based Sobol
indices (first order and total) and Morris elementary effects, for chosen metrics. Every
point is the mean of a metric over the same replications (common random numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iaas_sim.engine.guard import DEFAULT_LIMITS, Limits, check_resources
from iaas_sim.experiments.executor import OptionError, Progress, resolve_jobs
from iaas_sim.experiments.sweep import sweep, whole_numbers
from iaas_sim.scenario import Scenario, load_scenario
from iaas_sim.scenario.load import scenario_to_dict
from iaas_sim.scenario.overrides import get_path
from iaas_sim.scenario.uncertain import pin_inputs

METHODS = ("oat", "sobol", "morris")


def sensitivity(
    scenario: Scenario | str | Path | dict[str, Any],
    params: Mapping[str, tuple[float, float]],
    *,
    metrics: Sequence[str] = ("npv",),
    method: str = "oat",
    n_samples: int = 64,
    n_replications: int = 1,
    seed: int | None = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
    scheduler: Any = None,
    limits: Limits | None = DEFAULT_LIMITS,
) -> pd.DataFrame:
    """Sensitivity of ``metrics`` to ``params`` (dotted path -> (low, high) range).

    ``oat``: each parameter at its low and high end, the others at the scenario's values:
    columns ``metric, param, low, high, at_low, at_high, base, swing`` (``swing = at_high -
    at_low``), sorted by ``|swing|`` (the tornado). ``sobol``: Saltelli's sample of
    ``n_samples x (k + 2)`` points, ``metric, param, S1, S1_conf, ST, ST_conf``. ``morris``:
    ``n_samples`` trajectories, ``metric, param, mu_star, mu_star_conf, sigma``.
    ``limits``: the resource guard's, checked once before anything runs, for the costliest
    point of the design (None: no check)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not params:
        raise ValueError("give at least one parameter and its range")
    for path, span in params.items():
        if len(span) != 2 or not float(span[0]) < float(span[1]):
            raise ValueError(f"{path}: give a range (low, high) with low < high, got {span!r}")
    sc = load_scenario(scenario)
    names = list(params)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[float(params[n][0]), float(params[n][1])] for n in names],
    }
    root = sc.run.seed if seed is None else seed
    if method == "oat":
        base = _nominal(sc, names)
        points = [base] + [
            {**base, n: float(v)} for n in names for v in (params[n][0], params[n][1])
        ]
    else:
        x = _sample(method, problem, n_samples, root)
        points = [{n: float(v) for n, v in zip(names, row, strict=True)} for row in x]
    if limits is not None:  # once: the trial below and every point of the design
        check_resources(
            sc,
            limits,
            replications=1 + len(points) * n_replications,
            workers=resolve_jobs(n_jobs),
            points=[sc, *(pin_inputs(sc, p) for p in whole_numbers(sc, points))],
        )
    _check_metrics(sc, metrics)
    table = sweep(
        sc,
        {"points": points},
        n_replications=n_replications,
        seed=root,
        n_jobs=n_jobs,
        method="points",
        progress=progress,
        scheduler=scheduler,
        limits=None,  # checked above
    )
    missing = [m for m in metrics if m not in table.columns]
    if missing:
        raise OptionError("metrics", f"no metric named {', '.join(map(repr, missing))}")
    means = table.groupby("point")[list(metrics)].mean().sort_index()
    if method == "oat":
        return _tornado(means, names, params)
    return _indices(method, problem, x, means, root)


def _check_metrics(sc: Scenario, metrics: Sequence[str]) -> None:
    """Refuse, before the design runs, metrics that do not exist or are not numbers (one
    replication tells)."""
    from iaas_sim.engine.simulate import simulate
    from iaas_sim.experiments.executor import flatten_metrics

    flat = flatten_metrics(simulate(sc, seed=np.random.SeedSequence(0)).metrics)
    for name in metrics:
        if name not in flat:
            raise OptionError("metrics", f"no metric named {name!r}")
        if name.endswith("_month") or isinstance(flat[name], str):
            raise OptionError("metrics", f"{name} is not a number (give a numeric metric)")


def _nominal(sc: Scenario, names: list[str]) -> dict[str, float]:
    data = scenario_to_dict(sc)
    base = {}
    for name in names:
        value = get_path(data, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name}: not a number of the scenario (got {value!r})")
        base[name] = float(value)
    return base


def _sample(method: str, problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    if method == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem, n, calc_second_order=False, seed=seed))
    from SALib.sample import morris

    return np.asarray(morris.sample(problem, n, num_levels=4, seed=seed))


def _tornado(
    means: pd.DataFrame, names: list[str], params: Mapping[str, tuple[float, float]]
) -> pd.DataFrame:
    rows = []
    for metric in means.columns:
        values = means[metric].to_numpy(dtype=float)  # base, then low and high per param
        base = float(values[0])
        for i, name in enumerate(names):
            low, high = float(values[1 + 2 * i]), float(values[2 + 2 * i])
            rows.append(
                {
                    "metric": metric,
                    "param": name,
                    "low": float(params[name][0]),
                    "high": float(params[name][1]),
                    "at_low": low,
                    "at_high": high,
                    "base": base,
                    "swing": high - low,
                }
            )
    out = pd.DataFrame(rows)
    order = out.assign(size=out["swing"].abs()).sort_values(
        ["metric", "size"], ascending=[True, False], kind="stable"
    )
    return order.drop(columns="size").reset_index(drop=True)


def _indices(
    method: str, problem: dict[str, Any], x: np.ndarray, means: pd.DataFrame, seed: int
) -> pd.DataFrame:
    rows = []
    for metric in means.columns:
        y = means[metric].to_numpy(dtype=float)
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
            keys: tuple[str, ...] = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, x, y, num_levels=4, seed=seed)
            keys = ("mu_star", "mu_star_conf", "sigma")
        for i, name in enumerate(problem["names"]):
            rows.append({"metric": metric, "param": name, **{k: float(res[k][i]) for k in keys}})
    return pd.DataFrame(rows)
