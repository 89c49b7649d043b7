"""Pooling stage: the month's hourly demand of the customers present against capacity.

What pooling carries from one month to the next (the cohorts' aggregates and the common
shock) is a value, ``PoolingState``, passed in and returned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.core.ar1 import sample_common_shock
from iaas_sim.core.cohorts import CohortState
from iaas_sim.core.pooling import Book, Classes, MonthPool, Settings, sample_month_pool


@dataclass(frozen=True)
class PoolingState:
    cohorts: CohortState | None = None
    """Aggregates of the customers pooled by cohort last month (None: none)."""
    common_shock: float | None = None
    """The common shock at the last hour pooled (None before its first use)."""


@dataclass(frozen=True)
class PoolingInput:
    book: Book
    """The customers active this month."""
    classes: Classes
    month_start: int
    capacity_vms: np.ndarray
    """Capacity at each hour of the month [VMs]."""
    hour_of_week0: int
    """Hour of the week of the run's hour 0."""
    shapes: np.ndarray
    n_groups: int
    settings: Settings
    common_autocorrelation: float
    group_up: np.ndarray
    """Share of each hour each billing group's SLA tier is up (groups x hours)."""


def sample_pool(
    inputs: PoolingInput,
    state: PoolingState,
    rng_usage: np.random.Generator,
    rng_shock: np.random.Generator,
) -> tuple[MonthPool, PoolingState]:
    """Pool the month; returns what it comes to and the state to carry to the next one."""
    shock, level = sample_shock(inputs, state.common_shock, rng_shock)
    result = sample_month_pool(
        inputs.book,
        inputs.classes,
        inputs.month_start,
        inputs.capacity_vms,
        inputs.hour_of_week0,
        inputs.shapes,
        inputs.n_groups,
        rng_usage,
        settings=inputs.settings,
        shock=shock,
        group_up=inputs.group_up,
        cohorts=state.cohorts,
    )
    return result, PoolingState(result.cohorts, level)


def sample_shock(
    inputs: PoolingInput, level: float | None, rng: np.random.Generator
) -> tuple[np.ndarray | None, float | None]:
    """The common shock's path over the month and its last value, when customers are
    correlated (without correlation it starts afresh if a correlation comes back)."""
    if inputs.settings.correlation == 0:
        return None, None
    if level is None:
        level = float(rng.standard_normal())
    path, last = sample_common_shock(
        inputs.common_autocorrelation, level, len(inputs.capacity_vms), rng
    )
    return path, last
