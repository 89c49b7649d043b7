"""Pooling: every active customer's hourly VM demand, summed over the customer book and set
against the capacity installed hour by hour.

A customer's demand at hour ``t`` is ``vms * shape[hour of week] * max(0, 1 + cv x_t) / k``
where ``x`` is a stationary Gaussian AR(1) process with unit variance and lag-1
autocorrelation ``phi``, whose state carries over from one month to the next, and
``k = E[max(0, 1 + cv Z)]`` so that cutting negative use at zero does not raise the mean:
a customer's expected demand is exactly ``vms * shape``. Customers are
processed in chunks; within a chunk the AR(1) recursion runs in C (``scipy.signal.lfilter``),
so there is no Python loop over customers or hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter
from scipy.special import ndtr

from iaas_sim.core.calendar import HOURS_PER_WEEK

CHUNK_CUSTOMERS = 2048
"""Customers per chunk: big enough for numpy to be efficient, small enough to stay in cache
-sized temporaries (a chunk of one month is about 12 MB per float64 array)."""


@dataclass(frozen=True)
class Book:
    """The customers active in a month (struct of arrays, one entry per customer)."""

    vms: np.ndarray
    """VMs at full use of the profile."""
    profile: np.ndarray
    """Index into the profile shapes."""
    cv: np.ndarray
    """Fluctuation coefficient of variation."""
    phi: np.ndarray
    """Fluctuation lag-1 autocorrelation."""
    state: np.ndarray
    """AR(1) state at the last hour before the month (stationary N(0, 1) for newcomers)."""
    start: np.ndarray
    """First hour active (since the run's start)."""
    end: np.ndarray
    """First hour no longer active."""
    group: np.ndarray
    """Billing group (channel x SLA tier x partner tier)."""


@dataclass(frozen=True)
class MonthPool:
    """What the pooled demand of one month comes to."""

    demand: np.ndarray
    """Total demand per hour [VMs] (may exceed capacity)."""
    served_by_group: np.ndarray
    """Served VM-hours per billing group [VM-hours]."""
    demand_by_group: np.ndarray
    """Demanded VM-hours per billing group [VM-hours]."""
    served_vm_hours: float
    unserved_vm_hours: float
    peak_demand: float
    """Highest hourly total demand [VMs]."""
    utilisation_peak: float
    """Highest hourly served demand over capacity [share]."""
    individual_peak_sum: float
    """Sum over customers of each one's own peak hour [VMs]."""
    new_state: np.ndarray
    """AR(1) state at the month's last hour, per customer."""


def compute_noise_mean(cv: np.ndarray) -> np.ndarray:
    """``E[max(0, 1 + cv Z)]`` for standard normal ``Z``: ``Phi(1/cv) + cv phi(1/cv)``."""
    cv = np.asarray(cv, dtype=float)
    with np.errstate(divide="ignore"):
        z = np.where(cv > 0, 1.0 / np.maximum(cv, 1e-300), np.inf)
    density = np.exp(-0.5 * np.minimum(z, 1e150) ** 2) / np.sqrt(2 * np.pi)
    return np.asarray(np.where(cv > 0, ndtr(z) + cv * density, 1.0))


def compute_ar1(eps: np.ndarray, phi: float, state: np.ndarray) -> np.ndarray:
    """Stationary unit-variance AR(1) along axis 1: ``x_t = phi x_{t-1} + sqrt(1-phi^2) e_t``,
    starting from ``state`` (the value before the first column). Keeps ``eps``'s dtype."""
    dtype = eps.dtype
    b = np.array([np.sqrt(1.0 - phi * phi)], dtype=dtype)
    a = np.array([1.0, -phi], dtype=dtype)
    x, _ = lfilter(b, a, eps, axis=1, zi=(phi * state).astype(dtype)[:, None])
    return np.asarray(x)


def _chunk_demand(
    book: Book, idx: np.ndarray, hours: np.ndarray, levels: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Hourly demand (customers x hours, float32) of the customers ``idx`` and their last
    AR state. ``levels`` is the profile shapes laid over the month's hours."""
    eps = rng.standard_normal((len(idx), len(hours)), dtype=np.float32)
    phis = book.phi[idx]
    unique = np.unique(phis)
    if len(unique) == 1:
        x = compute_ar1(eps, float(unique[0]), book.state[idx])
    else:
        x = np.empty_like(eps)
        for phi in unique:
            rows = np.flatnonzero(phis == phi)
            x[rows] = compute_ar1(eps[rows], float(phi), book.state[idx[rows]])
    last = x[:, -1].astype(np.float64)
    # demand = vms * shape * max(0, 1 + cv x), computed in place.
    x *= book.cv[idx, None].astype(np.float32)
    x += 1.0
    np.maximum(x, 0.0, out=x)
    x *= levels[book.profile[idx]]
    x *= (book.vms[idx] / compute_noise_mean(book.cv[idx]))[:, None].astype(np.float32)
    start, end = book.start[idx], book.end[idx]
    partial = np.flatnonzero((start > hours[0]) | (end <= hours[-1]))
    if len(partial):
        inactive = (hours < start[partial, None]) | (hours >= end[partial, None])
        x[partial] = np.where(inactive, np.float32(0.0), x[partial])
    return x, last


def compute_month_pool(
    book: Book,
    month_start: int,
    capacity: np.ndarray,
    how0: int,
    shapes: np.ndarray,
    n_groups: int,
    rng: np.random.Generator,
    chunk: int = CHUNK_CUSTOMERS,
    group_up: np.ndarray | None = None,
) -> MonthPool:
    """Pool the month starting at hour ``month_start`` whose hourly capacity is ``capacity``.

    ``how0`` is the hour of the week of the run's hour 0; ``shapes`` the profile table.
    ``group_up`` (groups x hours) is the share of each hour each billing group's service is
    up (outages); demand in down time is unserved. Overflow hours are shared out pro rata:
    every customer is served ``capacity / demand`` of its demand in an hour where demand
    exceeds capacity."""
    n_hours = len(capacity)
    hours = month_start + np.arange(n_hours)
    levels = shapes[:, (how0 + hours) % HOURS_PER_WEEK].astype(np.float32)
    by_group = np.zeros((n_groups, n_hours))
    peaks = 0.0
    new_state = book.state.copy()
    # Customers taken in billing-group order, so each chunk's groups are contiguous runs
    # summed by reduceat (no BLAS call, whose threads stall on a loaded machine).
    order = np.argsort(book.group, kind="stable")
    for lo in range(0, len(order), chunk):
        idx = order[lo : lo + chunk]
        demand, last = _chunk_demand(book, idx, hours, levels, rng)
        new_state[idx] = last
        peaks += float(demand.max(axis=1).sum(dtype=np.float64))
        groups = book.group[idx]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        by_group[groups[starts]] += np.add.reduceat(demand, starts, axis=0, dtype=np.float64)
    demand = by_group.sum(axis=0)
    live = by_group if group_up is None else by_group * group_up
    total = live.sum(axis=0)
    served = np.minimum(total, capacity)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total > 0, served / total, 0.0)
        ratio = np.where(capacity > 0, served / capacity, 0.0)
    return MonthPool(
        demand=demand,
        served_by_group=(live * scale).sum(axis=1),
        demand_by_group=by_group.sum(axis=1),
        served_vm_hours=float(served.sum()),
        unserved_vm_hours=float(demand.sum() - served.sum()),
        peak_demand=float(demand.max(initial=0.0)),
        utilisation_peak=float(ratio.max(initial=0.0)),
        individual_peak_sum=peaks,
        new_state=new_state,
    )
