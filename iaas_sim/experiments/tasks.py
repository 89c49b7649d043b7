"""The unit of work of every experiment: a ``Task`` (replications of one scenario, each
with its own child ``SeedSequence``), its ``Outcome``, and ``run_task``, which runs it in
whichever process it lands (this one, a local worker, a Dask worker)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from iaas_sim.engine.simulate import simulate
from iaas_sim.scenario.errors import Problem, ScenarioError
from iaas_sim.scenario.model import Scenario

DEFAULT_COLUMNS: tuple[str, ...] = (
    "cumulative_cash",
    "cumulative_free_cash_flow",
    "revenue",
    "ebitda",
    "utilisation",
    "vms_avg",
    "customers",
)
"""Monthly columns kept from each replication for quantile bands."""


@dataclass(frozen=True)
class Task:
    """Replications of one scenario (a sweep point)."""

    scenario: Scenario
    seeds: Sequence[np.random.SeedSequence]
    columns: tuple[str, ...]
    labels: Sequence[dict[str, Any]]
    """One dict per replication, copied into its row of metrics."""
    inputs: Sequence[dict[str, float] | None] | None = None
    """Per replication, the uncertain inputs' values (None: drawn by the replication)."""


@dataclass(frozen=True)
class Outcome:
    """Per replication: flat metrics, and the kept monthly columns."""

    rows: list[dict[str, Any]]
    series: list[dict[str, np.ndarray]]


FLAT_PREFIXES = {
    "revenue_by_year": "revenue_",
    "revenue_by_channel": "channel_revenue_",
    "availability_by_tier": "availability_",
}


def flatten_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Scalar metrics; dicts become one column per key: ``revenue_by_year`` ->
    ``revenue_2014``…, ``revenue_by_channel`` -> ``channel_revenue_web``…,
    ``availability_by_tier`` -> ``availability_99_7``… (the monthly table's names for the
    same things), others ``<name>_<key>``."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            prefix = FLAT_PREFIXES.get(key, f"{key}_")
            # Tiers as the monthly table names them (99.7 -> availability_99_7).
            flat.update({f"{prefix}{k}".replace(".", "_"): v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def run_task(task: Task) -> Outcome:
    """Simulate every replication of a task (in whichever process it lands)."""
    rows, series = [], []
    inputs = task.inputs if task.inputs is not None else [None] * len(task.seeds)
    for seed, label, given in zip(task.seeds, task.labels, inputs, strict=True):
        try:
            res = simulate(task.scenario, seed=seed, inputs=given)
        except Exception as exc:  # named with what reproduces it, not only the library's words
            raise replication_error(exc, seed, label, given) from None
        drawn = res.metadata.get("inputs", {})
        rows.append({**label, **drawn, **flatten_metrics(res.metrics)})
        series.append({c: res.monthly[c].to_numpy() for c in task.columns})
    return Outcome(rows, series)


def replication_error(
    exc: Exception, seed: np.random.SeedSequence, label: dict[str, Any], inputs: Any
) -> ScenarioError:
    """A failed replication as a refusal naming the replication, its seed and its inputs
    (``simulate(scenario, seed=SeedSequence(entropy, spawn_key=...))`` reproduces it)."""
    where = ", ".join(f"{k} {v}" for k, v in label.items() if k in ("point", "replication"))
    given = {k: v for k, v in label.items() if k not in ("point", "replication")}
    given.update(inputs or {})
    shown = ", ".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in given.items()
    )
    why = (
        "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in exc.problems)
        if isinstance(exc, ScenarioError)
        else f"{type(exc).__name__}: {exc}"
    )
    seed_text = f"SeedSequence(entropy={seed.entropy}, spawn_key={tuple(seed.spawn_key)})"
    return ScenarioError(
        [
            Problem(
                where or "replication",
                f"failed with seed {seed_text}"
                + (f" and inputs {shown}" if shown else "")
                + f": {why}",
            )
        ]
    )
