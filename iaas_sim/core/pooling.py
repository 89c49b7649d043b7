"""Pooling: every active customer's hourly VM demand, summed over the customer book and set
against the capacity installed hour by hour.

The demand model
----------------
Customer ``i`` of demand class ``c`` (a usage profile with its fluctuation) asks at hour
``t`` for ``v_i s_c(t) (1 + cv_c x_i(t))`` VMs: ``v_i`` its VMs at full use, ``s_c`` the
profile's weekly shape, and ``x_i = sqrt(rho) C + sqrt(1 - rho) e_i`` a unit-variance
Gaussian fluctuation made of a shock ``C`` common to all customers (correlation ``rho``
between any two customers) and the customer's own stationary AR(1) ``e_i`` (coefficient
``phi_c``), whose state carries over from one month to the next. Its mean is exactly
``v_i s_c(t)``. Only sums of customers are billed; a billing group's hourly demand is
floored at zero (it binds only for a group of a handful of very bursty customers).

Customers of the same billing group and class form a *cohort*. A cohort's demand is
``s_c(t) (V(t) + sqrt(rho) C(t) A(t) + sqrt(1 - rho) Y(t))`` with ``V`` the VMs and ``A``
the sum of ``a_i = v_i cv_c`` of its active customers (known exactly), and ``Y`` the sum of
``a_i e_i`` over them, which two modes draw:

* ``per_customer``: every customer's AR(1) path, hour by hour, in float32 blocks of hours
  across chunks of customers (float64 sums), so the AR recursion is a vector operation over
  customers and each number is touched a few times after it is generated; the exact
  individual peaks come out of the same pass.
* ``cohort``: ``Y`` drawn directly in distribution, at a cost independent of the number of
  customers. Between arrivals and departures ``Y`` is exactly a Gaussian AR(1) with variance
  ``W = sum a_i^2``; a newcomer adds a stationary draw; a leaving customer's share is
  removed by a draw conditional on the current aggregate. The resulting time-varying AR(1)
  is computed by a prefix scan. At the month's end each customer's own state is drawn
  conditional on its cohort's aggregate (so the two modes can alternate month by month).
  Individual peaks are estimated from ``reference_customers`` simulated customers per
  class. See ``README.md`` ("Pooling") for what is exact and what is approximate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from iaas_sim.core.ar1 import compute_ar1
from iaas_sim.core.calendar import HOURS_PER_WEEK
from iaas_sim.core.cohorts import (
    CohortState,
    Moving,
    sample_cohort_paths,
    sample_cohort_start,
    sample_held_states,
)

CHUNK_CUSTOMERS = 16384
"""Customers per chunk in ``per_customer`` mode (a block of them stays in cache)."""
BLOCK_HOURS = 24
"""Hours per block of normals drawn at once in ``per_customer`` mode."""
F32 = np.float32
OFF_HOURS = F32(-1e30)
"""Stand-in for the demand of a customer at an hour it is not there (for its peak)."""


@dataclass(frozen=True)
class Classes:
    """Demand classes: what shapes a customer's demand (one entry per class)."""

    profile: np.ndarray
    """Index into the profile shapes."""
    cv: np.ndarray
    """Coefficient of variation of the hourly fluctuation."""
    phi: np.ndarray
    """Lag-1 autocorrelation of the customer's own fluctuation."""


@dataclass(frozen=True)
class Book:
    """The customers active in a month (struct of arrays, one entry per customer)."""

    vms: np.ndarray
    """VMs at full use of the profile."""
    klass: np.ndarray
    """Demand class (index into ``Classes``)."""
    state: np.ndarray
    """Own AR(1) fluctuation at the hour before the month (unit variance), for customers
    not held by a cohort."""
    held: np.ndarray
    """Code of the cohort holding the customer's fluctuation since the last month pooled by
    cohort (-1: its own ``state``)."""
    start: np.ndarray
    """First hour active (since the run's start)."""
    end: np.ndarray
    """First hour no longer active."""
    group: np.ndarray
    """Billing group."""


@dataclass(frozen=True)
class Settings:
    """How to pool (the scenario's ``[pooling]`` table)."""

    mode: str = "auto"
    """``per_customer``, ``cohort``, or ``auto``: per customer while the month's book has at
    most ``auto_max_customers`` customers, by cohort above."""
    correlation: float = 0.0
    """Correlation ``rho`` between any two customers' fluctuations (the common shock)."""
    reference_customers: int = 32
    """Simulated customers per class for the individual peaks in ``cohort`` mode (0: none,
    the pooling gain is then unknown)."""
    auto_max_customers: int = 250


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
    """Sum over customers of each one's own peak hour [VMs] (NaN when not estimated)."""
    new_state: np.ndarray
    """Own AR(1) fluctuation at the month's last hour, per customer (pooled per customer)."""
    held: np.ndarray | None
    """Code of the cohort now holding each customer's fluctuation (None: pooled per
    customer, each holds its own)."""
    cohorts: CohortState | None
    """The cohorts' aggregates (None: pooled per customer)."""
    mode: str
    """Mode used: ``per_customer`` or ``cohort``."""


def choose_mode(settings: Settings, n_customers: int) -> str:
    if settings.mode != "auto":
        return settings.mode
    return "per_customer" if n_customers <= settings.auto_max_customers else "cohort"


def sample_month_pool(
    book: Book,
    classes: Classes,
    month_start: int,
    capacity: np.ndarray,
    how0: int,
    shapes: np.ndarray,
    n_groups: int,
    rng: np.random.Generator,
    *,
    settings: Settings = Settings(),
    shock: np.ndarray | None = None,
    group_up: np.ndarray | None = None,
    cohorts: CohortState | None = None,
) -> MonthPool:
    """Pool the month starting at hour ``month_start`` whose hourly capacity is ``capacity``.

    ``how0`` is the hour of the week of the run's hour 0; ``shapes`` the profile table;
    ``shock`` the common shock's path over the month (needed when the correlation is not
    0). ``cohorts`` holds the fluctuations of customers whose ``held`` is not -1 (from the
    last month pooled by cohort). ``group_up`` (groups x hours) is the share of each hour
    each billing group's service is up (outages); demand in down time is unserved. In an
    hour where demand exceeds capacity every customer is served ``capacity / demand`` of
    its demand."""
    n_hours, n = len(capacity), len(book.vms)
    there = (book.start < month_start + n_hours) & (book.end > month_start)
    if not np.all(there):
        raise ValueError("the book must hold only customers active in the month")
    mode = choose_mode(settings, n)
    rho = settings.correlation
    if rho > 0 and shock is None:
        raise ValueError("a correlation needs the common shock's path")
    hours = month_start + np.arange(n_hours)
    levels = shapes[classes.profile][:, (how0 + hours) % HOURS_PER_WEEK]
    n_classes = len(classes.profile)
    # Cohorts (billing group x class) actually present, numbered 0..K-1 without sorting.
    code = book.group * n_classes + book.klass
    occupied = np.flatnonzero(np.bincount(code, minlength=n_groups * n_classes))
    lut = np.zeros(n_groups * n_classes, dtype=np.int64)
    lut[occupied] = np.arange(len(occupied))
    ci, k = lut[code], len(occupied)
    c_class, c_group = occupied % n_classes, occupied // n_classes
    cv = classes.cv[c_class][:, None]
    # Customers who arrive in the month or leave before its end; the others are there
    # every hour, so their sums are constant.
    moving = Moving.of(book.start, book.end, ci, month_start, n_hours)
    vms_on = moving.active_sums(np.bincount(ci, weights=book.vms, minlength=k), book.vms, k)
    common = np.sqrt(rho) * shock if shock is not None and rho > 0 else None
    own = np.sqrt(1.0 - rho)
    held: np.ndarray | None = None
    new_cohorts: CohortState | None = None
    if mode == "per_customer":
        if cohorts is not None:
            state = sample_held_states(book.vms, book.held, book.state, cohorts, rng)
            book = replace(book, state=state)
        y, peaks, new_state = _per_customer(
            book, classes, ci, k, month_start, levels, common, own, rng
        )
        y = np.divide(y, cv, out=np.zeros_like(y), where=cv > 0)
        peak_sum = float(np.maximum(peaks, 0.0).sum())
    else:
        x0 = sample_cohort_start(
            book.vms,
            book.state,
            book.start,
            month_start,
            book.held,
            code,
            ci,
            occupied,
            cohorts,
            rng,
        )
        y, value, weight = sample_cohort_paths(
            book.vms, ci, moving, x0, classes.phi[c_class], k, rng
        )
        new_state, held, new_cohorts = book.state, code, CohortState(occupied, value, weight)
        peak_sum = _reference_peak_sum(
            book, classes, moving, levels, common, own, settings.reference_customers, rng
        )
    # y is sum(v e) over the active customers: demand = s (V + cv (sqrt(1-rho) y + sqrt(rho) C V)).
    fluctuation = own * y if common is None else own * y + common * vms_on
    cohort_demand = levels[c_class] * (vms_on + cv * fluctuation)
    # Billing groups present, numbered 0..G-1.
    groups, gi = np.unique(c_group, return_inverse=True)
    by_group = np.zeros((len(groups), n_hours))
    np.add.at(by_group, gi, cohort_demand)
    np.maximum(by_group, 0.0, out=by_group)
    up = None if group_up is None else group_up[groups]
    pool = _serve(by_group, capacity, up, peak_sum, new_state, mode)
    served, demanded = np.zeros(n_groups), np.zeros(n_groups)
    served[groups], demanded[groups] = pool.served_by_group, pool.demand_by_group
    return replace(
        pool,
        served_by_group=served,
        demand_by_group=demanded,
        held=held,
        cohorts=new_cohorts,
    )


def _per_customer(
    book: Book,
    classes: Classes,
    ci: np.ndarray,
    k: int,
    month_start: int,
    levels: np.ndarray,
    common: np.ndarray | None,
    own: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every customer's path: cohort sums of ``a e`` (cohorts x hours, ``a = v cv``), each
    customer's peak, and each customer's state at the month's end."""
    n, n_hours = len(book.vms), levels.shape[1]
    phi = classes.phi[book.klass]
    a = book.vms * classes.cv[book.klass]
    # Class first, then cohort: classes are slices (for the shape), cohorts are runs.
    order = np.argsort(book.klass * k + ci, kind="stable")
    y = np.zeros((k, n_hours))
    peaks = np.empty(n)
    new_state = book.state.copy()
    for lo in range(0, n, CHUNK_CUSTOMERS):
        idx = order[lo : lo + CHUNK_CUSTOMERS]
        runs = _run_starts(ci[idx])
        kinds = _run_starts(book.klass[idx])
        slices = [
            (c, c0, c1, bool(np.all(levels[c] == 1.0)))
            for c, c0, c1 in zip(
                book.klass[idx][kinds], kinds, np.r_[kinds[1:], len(idx)], strict=True
            )
        ]
        ss = np.clip(book.start[idx] - month_start, 0, n_hours)
        dd = np.clip(book.end[idx] - month_start, 0, n_hours)
        partial = np.flatnonzero((ss > 0) | (dd < n_hours))
        ph = phi[idx].astype(F32)
        kick = (a[idx] * np.sqrt(1.0 - ph.astype(float) ** 2)).astype(F32)
        vms, ai = book.vms[idx].astype(F32), a[idx].astype(F32)
        z = (a[idx] * book.state[idx]).astype(F32)
        pk = np.full(len(idx), -np.inf, dtype=F32)
        tmp = np.empty(len(idx), dtype=F32)
        for b0 in range(0, n_hours, BLOCK_HOURS):
            b1 = min(n_hours, b0 + BLOCK_HOURS)
            eta = rng.standard_normal((b1 - b0, len(idx)), dtype=F32)
            eta *= kick
            prev = z
            for row in eta:  # z_t = phi z_{t-1} + a sqrt(1 - phi^2) e_t, in place
                np.multiply(prev, ph, out=tmp)
                row += tmp
                prev = row
            z = eta[-1].copy()
            cols = partial[(ss[partial] > b0) | (dd[partial] < b1)]
            off = np.arange(b0, b1)[:, None]
            off = (off < ss[cols]) | (off >= dd[cols])
            if len(cols):
                eta[:, cols] = np.where(off, F32(0.0), eta[:, cols])
            # Sums over each cohort's run of customers: float32 pairwise within the block
            # (relative error ~1e-7), float64 from block to block.
            y[ci[idx][runs], b0:b1] += np.add.reduceat(eta, runs, axis=1).T
            _block_peaks(eta, pk, vms, ai, slices, levels[:, b0:b1], own, common, b0, cols, off)
        peaks[idx] = pk
        with np.errstate(divide="ignore", invalid="ignore"):
            new_state[idx] = np.where(a[idx] > 0, z / a[idx], book.state[idx])
    return y, peaks, new_state


def _block_peaks(
    eta: np.ndarray,
    pk: np.ndarray,
    vms: np.ndarray,
    ai: np.ndarray,
    slices: list[tuple[int, int, int, bool]],
    levels: np.ndarray,
    own: float,
    common: np.ndarray | None,
    b0: int,
    cols: np.ndarray,
    off: np.ndarray,
) -> None:
    """Raise each customer's peak ``pk`` to its highest demand ``s (v + own z + C a)`` in
    the block of hours whose ``z`` (in place, overwritten) is ``eta``."""
    if len(cols):
        # Hours a customer is not there: far below any demand, but finite, so scaling by a
        # zero never makes a NaN (peaks are floored at zero in the end).
        eta[:, cols] = np.where(off, OFF_HOURS, eta[:, cols])
    simple = own == 1.0 and common is None
    if not simple:
        eta *= F32(own)
        if common is not None:
            eta += common[b0 : b0 + len(eta), None].astype(F32) * ai
    for c, c0, c1, flat in slices:
        part = eta[:, c0:c1]
        if flat:  # s = 1: the peak hour is the highest fluctuation
            np.maximum(pk[c0:c1], part.max(axis=0) + vms[c0:c1], out=pk[c0:c1])
        else:
            part += vms[c0:c1]
            part *= levels[c, :, None].astype(F32)
            np.maximum(pk[c0:c1], part.max(axis=0), out=pk[c0:c1])


def _run_starts(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal consecutive keys starts."""
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def _reference_peak_sum(
    book: Book,
    classes: Classes,
    moving: Moving,
    levels: np.ndarray,
    common: np.ndarray | None,
    own: float,
    n_ref: int,
    rng: np.random.Generator,
) -> float:
    """Estimated sum of the customers' own peaks: per class, the mean over ``n_ref``
    simulated customers of the peak over the hours each customer is there."""
    if n_ref <= 0:
        return float("nan")
    n_hours = levels.shape[1]
    present = np.flatnonzero(np.bincount(book.klass, minlength=len(classes.profile)))
    vms_by_class = np.bincount(book.klass, weights=book.vms, minlength=len(classes.profile))
    klass = book.klass[moving.idx]
    total = 0.0
    for c in present:
        x = compute_ar1(
            rng.standard_normal((n_ref, n_hours)), classes.phi[c], rng.standard_normal(n_ref)
        )
        x *= own
        if common is not None:
            x += common
        demand = levels[c] * (1.0 + classes.cv[c] * x)
        prefix = np.maximum.accumulate(demand, axis=1).mean(axis=0)
        suffix = np.maximum.accumulate(demand[:, ::-1], axis=1)[:, ::-1].mean(axis=0)
        full = max(float(prefix[-1]), 0.0)
        mine = klass == c
        s, d, vms = moving.s[mine], moving.d[mine], book.vms[moving.idx[mine]]
        # Over [s, d): exact for customers there at the start or the end of the month,
        # an upper bound for those who arrive and leave within it.
        peak = np.maximum(
            np.minimum(prefix[np.maximum(d, 1) - 1], suffix[np.minimum(s, n_hours - 1)]), 0.0
        )
        total += full * (vms_by_class[c] - vms.sum()) + float(np.dot(vms, peak))
    return total


def _serve(
    by_group: np.ndarray,
    capacity: np.ndarray,
    group_up: np.ndarray | None,
    peak_sum: float,
    new_state: np.ndarray,
    mode: str,
) -> MonthPool:
    """Set the groups' hourly demand against capacity and outages."""
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
        individual_peak_sum=peak_sum,
        new_state=new_state,
        held=None,
        cohorts=None,
        mode=mode,
    )
