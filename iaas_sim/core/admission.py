"""Admission: a new customer is refused when its expected load would not fit.

The expected load of the book is its deterministic weekly shape, ``sum_i vms_i shape_i(h)``
(fluctuations ignored); a newcomer is admitted if the peak of that shape with it added stays
within ``max_utilisation x capacity`` at its arrival hour. The load counted at an arrival
is that of the customers there at that hour: those present at the month's start who have
not left yet, and the arrivals admitted before it that have not left yet (a customer frees
its capacity from the hour it leaves, not from the next month). Refused customers are lost.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

BLOCK = 16_384
"""Arrivals whose cumulative load is computed at once (168 hours each)."""


@dataclass(frozen=True)
class Customers:
    """Customers as admission sees them (one entry per customer)."""

    vms: np.ndarray
    profile: np.ndarray
    """Index into the usage profile shapes."""
    start: np.ndarray
    """First hour there (since the run's start)."""
    end: np.ndarray
    """First hour no longer there."""


def compute_base_load(vms: np.ndarray, profile: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """Expected weekly load (168 hours) of the customers given."""
    per_profile = np.bincount(profile, weights=vms, minlength=len(shapes))
    return np.asarray(per_profile @ shapes)


def compute_gone_by_hour(
    customers: Customers, shapes: np.ndarray, month_start: int, n_hours: int
) -> np.ndarray:
    """Weekly load (n_hours x 168) of the customers gone by each hour of the month: those
    whose end is at or before it."""
    leaving = (customers.end >= month_start) & (customers.end < month_start + n_hours)
    hour = customers.end[leaving] - month_start
    profile = customers.profile[leaving]
    by_hour = np.zeros((n_hours, len(shapes)))
    np.add.at(by_hour, (hour, profile), customers.vms[leaving])
    return np.asarray(np.cumsum(by_hour, axis=0) @ shapes)


def compute_admission(
    arrivals: Customers,
    present: Customers,
    capacity: np.ndarray,
    shapes: np.ndarray,
    max_utilisation: float,
    month_start: int,
    n_hours: int,
) -> np.ndarray:
    """Which arrivals (in arrival order; ``capacity`` in VMs at each arrival) are admitted,
    first come, first served; ``present``: the customers there at the month's first
    hour."""
    n = len(arrivals.vms)
    admitted = np.zeros(n, dtype=bool)
    limit = max_utilisation * capacity
    base = compute_base_load(present.vms, present.profile, shapes)
    hour = np.clip(arrivals.start - month_start, 0, n_hours - 1)
    gone_present = compute_gone_by_hour(present, shapes, month_start, n_hours)
    # Every arrival's departure, as if all were admitted: an arrival leaves after it came,
    # so by the hour of an arrival only arrivals before it can have left.
    gone_arrivals = compute_gone_by_hour(arrivals, shapes, month_start, n_hours)
    arrived = np.zeros(shapes.shape[1])
    # Arrivals in blocks, so that memory stays bounded however many arrive in a month.
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        loads = arrivals.vms[start:stop, None] * shapes[arrivals.profile[start:stop]]
        running = arrived + np.cumsum(loads, axis=0)
        h = hour[start:stop]
        there = base + running - gone_present[h] - gone_arrivals[h]
        fits = there.max(axis=1) <= limit[start:stop] + 1e-9
        if fits.all():
            admitted[start:stop] = True
            arrived = running[-1]
            continue
        first = int(np.argmin(fits))
        admitted[start : start + first] = True
        # Only months where capacity binds go on, one arrival at a time.
        rest = _Month(base, gone_present, hour, limit, shapes, month_start)
        _one_by_one(arrivals, start + first, admitted, rest)
        break
    return admitted


@dataclass(frozen=True)
class _Month:
    base: np.ndarray
    gone_present: np.ndarray
    hour: np.ndarray
    limit: np.ndarray
    shapes: np.ndarray
    month_start: int


def _one_by_one(arrivals: Customers, first: int, admitted: np.ndarray, m: _Month) -> None:
    """Arrivals from ``first`` on, each against the load there at its hour: the admitted
    arrivals' departures counted as they come."""
    n_hours = len(m.gone_present)
    rel_end = arrivals.end - m.month_start

    def load(i: int) -> np.ndarray:
        return np.asarray(arrivals.vms[i] * m.shapes[arrivals.profile[i]])

    earlier = np.flatnonzero(admitted[:first])
    arrived = compute_base_load(arrivals.vms[earlier], arrivals.profile[earlier], m.shapes)
    leaving = [(int(rel_end[i]), int(i)) for i in earlier if rel_end[i] < n_hours]
    heapq.heapify(leaving)
    for j in range(first, len(admitted)):
        while leaving and leaving[0][0] <= m.hour[j]:
            arrived = arrived - load(heapq.heappop(leaving)[1])
        candidate = m.base + arrived - m.gone_present[m.hour[j]] + load(j)
        if candidate.max() <= m.limit[j] + 1e-9:
            admitted[j] = True
            arrived = arrived + load(j)
            if rel_end[j] < n_hours:
                heapq.heappush(leaving, (int(rel_end[j]), j))
