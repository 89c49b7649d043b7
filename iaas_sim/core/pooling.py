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

from iaas_sim.core.ar1 import compute_affine_scan, compute_ar1
from iaas_sim.core.calendar import HOURS_PER_WEEK

CHUNK_CUSTOMERS = 16384
"""Customers per chunk in ``per_customer`` mode (a block of them stays in cache)."""
BLOCK_HOURS = 24
"""Hours per block of normals drawn at once in ``per_customer`` mode."""
F32 = np.float32


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
    """Own AR(1) fluctuation at the hour before the month (unit variance)."""
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
    """Own AR(1) fluctuation at the month's last hour, per customer."""
    mode: str
    """Mode used: ``per_customer`` or ``cohort``."""


def choose_mode(settings: Settings, n_customers: int) -> str:
    if settings.mode != "auto":
        return settings.mode
    return "per_customer" if n_customers <= settings.auto_max_customers else "cohort"


def compute_month_pool(
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
) -> MonthPool:
    """Pool the month starting at hour ``month_start`` whose hourly capacity is ``capacity``.

    ``how0`` is the hour of the week of the run's hour 0; ``shapes`` the profile table;
    ``shock`` the common shock's path over the month (needed when the correlation is not
    0). ``group_up`` (groups x hours) is the share of each hour each billing group's service
    is up (outages); demand in down time is unserved. In an hour where demand exceeds
    capacity every customer is served ``capacity / demand`` of its demand."""
    n_hours, n = len(capacity), len(book.vms)
    mode = choose_mode(settings, n)
    rho = settings.correlation
    if rho > 0 and shock is None:
        raise ValueError("a correlation needs the common shock's path")
    hours = month_start + np.arange(n_hours)
    levels = shapes[classes.profile][:, (how0 + hours) % HOURS_PER_WEEK]
    s = np.clip(book.start - month_start, 0, n_hours)
    d = np.clip(book.end - month_start, 0, n_hours)
    n_classes = len(classes.profile)
    # Cohorts (billing group x class) actually present, numbered 0..K-1 without sorting.
    code = book.group * n_classes + book.klass
    occupied = np.flatnonzero(np.bincount(code, minlength=n_groups * n_classes))
    lut = np.zeros(n_groups * n_classes, dtype=np.int64)
    lut[occupied] = np.arange(len(occupied))
    ci, k = lut[code], len(occupied)
    c_class, c_group = occupied % n_classes, occupied // n_classes
    a = book.vms * classes.cv[book.klass]
    vms_on, a_on = compute_active_sums(ci, s, d, (book.vms, a), k, n_hours)
    common = np.sqrt(rho) * shock if shock is not None and rho > 0 else None
    own = np.sqrt(1.0 - rho)
    if mode == "per_customer":
        y, peaks, new_state = _per_customer(book, classes, a, s, d, ci, k, levels, common, own, rng)
        peak_sum = float(np.maximum(peaks, 0.0).sum())
    else:
        before = book.start < month_start
        y, new_state = _cohort(
            a, book.state, before, s, d, ci, classes.phi[c_class], k, n_hours, rng
        )
        peak_sum = _reference_peak_sum(
            book, classes, s, d, levels, common, own, settings.reference_customers, rng
        )
    cohort_demand = levels[c_class] * (vms_on + own * y)
    if common is not None:
        cohort_demand += levels[c_class] * a_on * common
    # Billing groups present, numbered 0..G-1 (cohorts are sorted by group already).
    groups, gi = np.unique(c_group, return_inverse=True)
    by_group = np.zeros((len(groups), n_hours))
    np.add.at(by_group, gi, cohort_demand)
    np.maximum(by_group, 0.0, out=by_group)
    up = None if group_up is None else group_up[groups]
    pool = _serve(by_group, capacity, up, peak_sum, new_state, mode)
    served, demanded = np.zeros(n_groups), np.zeros(n_groups)
    served[groups], demanded[groups] = pool.served_by_group, pool.demand_by_group
    return replace(pool, served_by_group=served, demand_by_group=demanded)


def compute_active_sums(
    ci: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    weights: tuple[np.ndarray, ...],
    k: int,
    n_hours: int,
) -> list[np.ndarray]:
    """For each weight, its sum over the active customers of each cohort at each hour
    (cohorts x hours): customers count from hour ``s`` up to, not including, ``d``."""
    base = ci * (n_hours + 1)
    size = k * (n_hours + 1)
    out = []
    for w in weights:
        steps = np.bincount(base + s, weights=w, minlength=size)
        steps -= np.bincount(base + d, weights=w, minlength=size)
        out.append(np.cumsum(steps.reshape(k, n_hours + 1), axis=1)[:, :n_hours])
    return out


def _per_customer(
    book: Book,
    classes: Classes,
    a: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    ci: np.ndarray,
    k: int,
    levels: np.ndarray,
    common: np.ndarray | None,
    own: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every customer's path: cohort sums ``Y`` (cohorts x hours), each customer's peak,
    and each customer's state at the month's end."""
    n, n_hours = len(a), levels.shape[1]
    phi = classes.phi[book.klass]
    # Class first, then cohort: classes are slices (for the shape), cohorts are runs.
    order = np.argsort(book.klass * k + ci, kind="stable")
    y = np.zeros((k, n_hours))
    peaks = np.empty(n)
    new_state = book.state.copy()
    for lo in range(0, n, CHUNK_CUSTOMERS):
        idx = order[lo : lo + CHUNK_CUSTOMERS]
        runs = _run_starts(ci[idx])
        kinds = _run_starts(book.klass[idx])
        slices = list(zip(book.klass[idx][kinds], kinds, np.r_[kinds[1:], len(idx)], strict=True))
        ss, dd = s[idx], d[idx]
        partial = np.flatnonzero((ss > 0) | (dd < n_hours))
        ph = phi[idx].astype(F32)
        kick = (a[idx] * np.sqrt(1.0 - phi[idx] ** 2)).astype(F32)
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
            y[ci[idx][runs], b0:b1] += np.add.reduceat(eta, runs, axis=1, dtype=np.float64).T
            # The customers' own demand, for their peaks.
            if own != 1.0:
                eta *= F32(own)
            eta += vms
            if common is not None:
                eta += common[b0:b1, None].astype(F32) * ai
            for c, c0, c1 in slices:
                eta[:, c0:c1] *= levels[c, b0:b1, None].astype(F32)
            if len(cols):
                eta[:, cols] = np.where(off, F32(-np.inf), eta[:, cols])
            np.maximum(pk, eta.max(axis=0), out=pk)
        peaks[idx] = pk
        with np.errstate(divide="ignore", invalid="ignore"):
            new_state[idx] = np.where(a[idx] > 0, z / a[idx], book.state[idx])
    return y, peaks, new_state


def _run_starts(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal consecutive keys starts."""
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def _cohort(
    a: np.ndarray,
    state: np.ndarray,
    before: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    ci: np.ndarray,
    phi: np.ndarray,
    k: int,
    n_hours: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Each cohort's ``Y = sum a_i e_i`` over its active customers, drawn in distribution
    (cohorts x hours), and every customer's state at the month's end."""
    w = a * a
    x0 = np.bincount(ci[before], weights=(a * state)[before], minlength=k)
    hour_bins = k * n_hours

    def per_hour(mask: np.ndarray, at: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        flat = ci[mask] * n_hours + at[mask]
        wts = None if weights is None else weights[mask]
        return np.bincount(flat, weights=wts, minlength=hour_bins).reshape(k, n_hours)

    arriving, leaving = ~before, d < n_hours
    count = np.bincount(ci[before], minlength=k)[:, None] + np.cumsum(
        per_hour(arriving, s, None) - per_hour(leaving, d, None), axis=1
    )
    w_out = per_hour(leaving, d, w)
    w0 = np.bincount(ci[before], weights=w[before], minlength=k)
    weight = w0[:, None] + np.cumsum(per_hour(arriving, s, w) - w_out, axis=1)
    weight = np.where(count > 0, np.maximum(weight, 0.0), 0.0)
    w_prev = np.concatenate([w0[:, None], weight[:, :-1]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.where(w_prev > 0, np.clip(1.0 - w_out / w_prev, 0.0, 1.0), 0.0)
    alpha = phi[:, None] * keep
    innovation = np.sqrt(np.maximum(weight - alpha * alpha * w_prev, 0.0))
    y = compute_affine_scan(alpha, innovation * rng.standard_normal((k, n_hours)), x0)
    y = np.where(count > 0, y, 0.0)
    # Each customer still there at the end: its share of the cohort's last value plus a
    # residual orthogonal to the aggregate (exact conditional given the aggregate).
    new_state = state.copy()
    end = np.flatnonzero(d >= n_hours)
    zeta = rng.standard_normal(len(end))
    resid = np.bincount(ci[end], weights=a[end] * zeta, minlength=k)
    last_w = weight[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.where(last_w > 0, (y[:, -1] - resid) / last_w, 0.0)
    new_state[end] = zeta + a[end] * coef[ci[end]]
    return y, new_state


def _reference_peak_sum(
    book: Book,
    classes: Classes,
    s: np.ndarray,
    d: np.ndarray,
    levels: np.ndarray,
    common: np.ndarray | None,
    own: float,
    n_ref: int,
    rng: np.random.Generator,
) -> float:
    """Estimated sum of the customers' own peaks: per class, the mean over ``n_ref``
    simulated customers of the peak over hours ``[s, ...)`` and ``[..., d)``."""
    if n_ref <= 0:
        return float("nan")
    n_hours = levels.shape[1]
    total = 0.0
    for c in np.unique(book.klass):
        mine = book.klass == c
        x = compute_ar1(
            rng.standard_normal((n_ref, n_hours)), classes.phi[c], rng.standard_normal(n_ref)
        )
        x *= own
        if common is not None:
            x += common
        demand = levels[c] * (1.0 + classes.cv[c] * x)
        prefix = np.maximum.accumulate(demand, axis=1).mean(axis=0)
        suffix = np.maximum.accumulate(demand[:, ::-1], axis=1)[:, ::-1].mean(axis=0)
        sc, dc = s[mine], d[mine]
        # Within [s, d): exact for customers there at the start or the end of the month,
        # an upper bound for those who arrive and leave within it.
        peak = np.minimum(prefix[dc - 1], suffix[np.minimum(sc, n_hours - 1)])
        total += float(np.dot(book.vms[mine], np.maximum(peak, 0.0)))
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
        mode=mode,
    )
