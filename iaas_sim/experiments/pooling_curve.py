"""The pooling curve: how much of the capacity a provider can keep busy, and how much
capacity it needs, as a function of how many customers share it.

For each number of customers ``N`` a book of ``N`` customers is drawn from the mix
(``replications`` times), its hourly demand simulated over ``weeks`` weeks, and the capacity
needed is the demand that is exceeded in only ``1 - service_level`` of the hours. The
utilisation achievable is mean demand over that capacity.

Beside it, the square-root law: the aggregate of ``N`` average customers has mean ``N mu(t)``
and standard deviation ``sigma(t) sqrt(N)`` (``sqrt((1 - rho) N sigma^2 + rho N^2 ...)`` with
a common shock), so for a flat profile the capacity needed is ``N mu + z sigma sqrt(N)``
with ``z`` the normal quantile of the service level; with weekly shapes, the capacity whose
average share of hours exceeded is ``1 - service_level`` (solved by ``brentq``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from iaas_sim.core.ar1 import sample_common_shock
from iaas_sim.core.calendar import HOURS_PER_WEEK
from iaas_sim.core.distributions import compute_vms_moment, sample_vms
from iaas_sim.core.pooling import Book, Classes, Settings, sample_month_pool
from iaas_sim.core.profiles import PROFILE_TABLE, profile_matrix
from iaas_sim.engine.guard import DEFAULT_LIMITS, Limits, check_curve
from iaas_sim.scenario import Scenario
from iaas_sim.scenario.curve import CurveSpec, curve_mix_of, make_curve_spec
from iaas_sim.scenario.operations import Thresholds
from iaas_sim.scenario.types import PROFILES

THRESHOLDS: tuple[float, float, float] = (
    Thresholds().low,
    Thresholds().target,
    Thresholds().high,
)
"""The default utilisation thresholds (Cloudwatt's: eating the business / on target / all
profit), for a curve of an explicit specification."""


@dataclass(frozen=True)
class PoolingCurve:
    """A computed pooling curve."""

    table: pd.DataFrame
    """One row per number of customers (see ``COLUMNS`` in the README)."""
    spec: CurveSpec
    customers_needed: dict[float, float | None]
    """Per threshold, customers the square-root law needs to reach it (None: never)."""
    thresholds: tuple[float, float, float]
    """The low, target and high utilisation thresholds (the scenario's)."""
    limit: float
    """Utilisation the law tends to with infinitely many customers (the shape's and the
    correlation's floor)."""
    law: pd.DataFrame
    """The square-root law on a fine grid of customers: ``customers``,
    ``utilisation_law``, ``capacity_law_vms``, ``mean_demand_vms``."""

    def customers_safe(self, threshold: float) -> int | None:
        """Smallest simulated number of customers whose utilisation reaches ``threshold``
        in 95 % of the books (the 5 % quantile), or None."""
        ok = self.table[self.table["utilisation_p5"] >= threshold]
        return int(ok["customers"].iloc[0]) if len(ok) else None

    def save(self, out: Path) -> Path:
        """Write ``pooling.csv`` in ``out``; returns its path."""
        out.mkdir(parents=True, exist_ok=True)
        path = out / "pooling.csv"
        tmp = path.with_suffix(".csv.tmp")
        self.table.to_csv(tmp, index=False)
        tmp.replace(path)
        return path


@dataclass(frozen=True)
class _Mix:
    """The mix as arrays (one entry per customer kind)."""

    weight: np.ndarray
    classes: Classes
    mean_vms: np.ndarray
    mean_vms_sq: np.ndarray


def pooling_curve(
    source: Scenario | CurveSpec | Mapping[str, Any],
    *,
    limits: Limits | None = DEFAULT_LIMITS,
    **changes: Any,
) -> PoolingCurve:
    """Compute the pooling curve of a scenario's customer mix (its segments weighted by
    potential customers, its ``[pooling]`` correlation) or of an explicit specification
    (``CurveSpec`` fields as a dict). ``changes`` override fields: ``customers``,
    ``service_level``, ``correlation``, ``replications``, ``weeks``, ``seed``, …
    ``limits``: the resource guard's (None: no check). The thresholds are the scenario's
    ``capacity.thresholds`` (the defaults for an explicit specification)."""
    spec = _spec(source, changes)
    thresholds = THRESHOLDS
    if isinstance(source, Scenario):
        th = source.capacity.thresholds
        thresholds = (th.low, th.target, th.high)
    if limits is not None:
        check_curve(spec, limits)
    mix = _mix(spec)
    shapes = profile_matrix()
    n_hours = spec.weeks * HOURS_PER_WEEK
    levels = shapes[mix.classes.profile][:, np.arange(n_hours) % HOURS_PER_WEEK]
    rows = []
    seeds = np.random.SeedSequence(spec.seed).spawn(len(spec.customers) * spec.replications)
    for i, n in enumerate(spec.customers):
        batch = seeds[i * spec.replications : (i + 1) * spec.replications]
        stats = [_replicate(spec, mix, n, n_hours, np.random.default_rng(s)) for s in batch]
        rows.append(_summarise(n, np.array(stats), _law(spec, mix, levels, n)))
    table = pd.DataFrame(rows)
    needed = {t: _customers_for(spec, mix, levels, t) for t in thresholds}
    limit = _law(spec, mix, levels, 1e12)[1]
    grid = np.geomspace(spec.customers[0], spec.customers[-1], 200)
    law = pd.DataFrame(
        [(g, *_law(spec, mix, levels, float(g))) for g in grid],
        columns=["customers", "mean_demand_vms", "utilisation_law", "capacity_law_vms", "_cv"],
    ).drop(columns="_cv")
    return PoolingCurve(table, spec, needed, thresholds, limit, law)


def _spec(source: Scenario | CurveSpec | Mapping[str, Any], changes: dict[str, Any]) -> CurveSpec:
    if isinstance(source, CurveSpec):
        data: dict[str, Any] = source.model_dump()
    elif isinstance(source, Scenario):
        data = {
            "mix": curve_mix_of(source),
            "correlation": source.pooling.correlation,
            "common_autocorrelation": source.pooling.common_autocorrelation,
        }
    else:
        data = dict(source)
    data.update({k: v for k, v in changes.items() if v is not None})
    return make_curve_spec(data)


def _mix(spec: CurveSpec) -> _Mix:
    profile, cv, phi = [], [], []
    for c in spec.mix:
        table = PROFILE_TABLE[c.usage_profile]
        profile.append(PROFILES.index(c.usage_profile))
        cv.append(table.cv if c.usage_cv is None else c.usage_cv)
        phi.append(
            table.autocorrelation if c.usage_autocorrelation is None else c.usage_autocorrelation
        )
    weight = np.array([c.weight for c in spec.mix])
    return _Mix(
        weight / weight.sum(),
        Classes(np.array(profile), np.array(cv), np.array(phi)),
        np.array([compute_vms_moment(c.vms_per_customer, 1) for c in spec.mix]),
        np.array([compute_vms_moment(c.vms_per_customer, 2) for c in spec.mix]),
    )


def _replicate(
    spec: CurveSpec, mix: _Mix, n: int, n_hours: int, rng: np.random.Generator
) -> tuple[float, float, float, float, float]:
    """One book of ``n`` customers: mean demand, capacity needed, utilisation, CV of the
    demand around its expected shape, pooling gain."""
    counts = rng.multinomial(n, mix.weight)
    klass = np.repeat(np.arange(len(counts)), counts)
    vms = np.concatenate(
        [sample_vms(c.vms_per_customer, rng, int(k)) for c, k in zip(spec.mix, counts, strict=True)]
    ).astype(float)
    book = Book(
        vms=vms,
        klass=klass,
        state=rng.standard_normal(n),
        held=np.full(n, -1, dtype=np.int64),
        start=np.zeros(n, dtype=np.int64),
        end=np.full(n, n_hours, dtype=np.int64),
        group=np.zeros(n, dtype=np.int64),
    )
    shock = None
    if spec.correlation > 0:
        shock, _ = sample_common_shock(
            spec.common_autocorrelation, float(rng.standard_normal()), n_hours, rng
        )
    shapes = profile_matrix()
    pool = sample_month_pool(
        book,
        mix.classes,
        0,
        np.full(n_hours, np.inf),
        0,
        shapes,
        1,
        rng,
        settings=Settings(correlation=spec.correlation),
        shock=shock,
    )
    demand = pool.demand
    expected = (
        np.bincount(klass, weights=vms, minlength=len(counts))
        @ shapes[mix.classes.profile][:, np.arange(n_hours) % HOURS_PER_WEEK]
    )
    capacity = float(np.quantile(demand, spec.service_level))
    mean = float(demand.mean())
    return (
        mean,
        capacity,
        mean / capacity if capacity > 0 else float("nan"),
        float(np.std(demand - expected) / expected.mean()),
        pool.individual_peak_sum / pool.peak_demand if pool.peak_demand > 0 else float("nan"),
    )


def _law(
    spec: CurveSpec, mix: _Mix, levels: np.ndarray, n: float
) -> tuple[float, float, float, float]:
    """The square-root law for ``n`` average customers: mean demand, utilisation,
    capacity needed and CV."""
    w = mix.weight[:, None]
    cv = mix.classes.cv[:, None]
    mean = n * np.sum(w * mix.mean_vms[:, None] * levels, axis=0)
    rho = spec.correlation
    own = (1 - rho) * n * np.sum(w * cv**2 * mix.mean_vms_sq[:, None] * levels**2, axis=0)
    common = rho * (n * np.sum(w * cv * mix.mean_vms[:, None] * levels, axis=0)) ** 2
    sd = np.sqrt(own + common)
    capacity = _capacity(mean, sd, spec.service_level)
    m = float(mean.mean())
    return (
        m,
        m / capacity if capacity > 0 else float("nan"),
        capacity,
        float(np.sqrt(np.mean(sd**2)) / m),
    )


def _capacity(mean: np.ndarray, sd: np.ndarray, level: float) -> float:
    """Capacity exceeded in ``1 - level`` of the hours on average, hourly demand normal."""
    if not np.any(sd > 0):
        return float(np.quantile(mean, level))
    safe = np.maximum(sd, 1e-12 * float(sd.max()))

    def excess(c: float) -> float:
        return float(np.mean(norm.sf((c - mean) / safe)) - (1.0 - level))

    lo, hi = float((mean - 10 * sd).min()), float((mean + 10 * sd).max())
    return float(brentq(excess, lo, hi, xtol=1e-9 * max(abs(hi), 1.0)))


def _customers_for(spec: CurveSpec, mix: _Mix, levels: np.ndarray, target: float) -> float | None:
    """Customers the law needs to reach ``target`` utilisation (None: never)."""

    def gap(log_n: float) -> float:
        return _law(spec, mix, levels, float(np.exp(log_n)))[1] - target

    if gap(np.log(1e12)) < 0:
        return None
    if gap(0.0) >= 0:
        return 1.0
    return float(np.exp(brentq(gap, 0.0, np.log(1e12), xtol=1e-6)))


def _summarise(
    n: int, stats: np.ndarray, law: tuple[float, float, float, float]
) -> dict[str, float]:
    mean, cap, util, cv, gain = stats.T
    _, law_util, law_cap, law_cv = law
    return {
        "customers": n,
        "mean_demand_vms": float(mean.mean()),
        "capacity_vms": float(cap.mean()),
        "capacity_vms_p5": float(np.quantile(cap, 0.05)),
        "capacity_vms_p95": float(np.quantile(cap, 0.95)),
        "capacity_vms_se": _se(cap),
        "utilisation": float(util.mean()),
        "utilisation_p5": float(np.quantile(util, 0.05)),
        "utilisation_p95": float(np.quantile(util, 0.95)),
        "utilisation_se": _se(util),
        "capacity_law_vms": law_cap,
        "utilisation_law": law_util,
        "aggregate_cv": float(cv.mean()),
        "aggregate_cv_law": law_cv,
        "pooling_gain": float(np.nanmean(gain)) if np.any(np.isfinite(gain)) else float("nan"),
    }


def _se(values: np.ndarray) -> float:
    """Standard error of the mean across books (NaN with a single book)."""
    if len(values) < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(len(values)))
