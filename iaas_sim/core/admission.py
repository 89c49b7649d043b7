"""Admission: a new customer is refused when its expected load would not fit.

The expected load of the book is its deterministic weekly shape, ``sum_i vms_i shape_i(h)``
(fluctuations ignored); a newcomer is admitted if the peak of that shape with it added stays
within ``max_utilisation x capacity`` at its arrival hour. Refused customers are lost.
"""

from __future__ import annotations

import numpy as np


def compute_base_load(vms: np.ndarray, profile: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """Expected weekly load (168 hours) of the customers given."""
    per_profile = np.bincount(profile, weights=vms, minlength=len(shapes))
    return np.asarray(per_profile @ shapes)


def compute_admission(
    vms: np.ndarray,
    profile: np.ndarray,
    capacity: np.ndarray,
    base_load: np.ndarray,
    shapes: np.ndarray,
    max_utilisation: float,
) -> np.ndarray:
    """Which arrivals (in arrival order, ``capacity`` in VMs at each arrival) are admitted,
    first come, first served."""
    n = len(vms)
    admitted = np.zeros(n, dtype=bool)
    if n == 0:
        return admitted
    loads = vms[:, None] * shapes[profile]
    limit = max_utilisation * capacity
    cumulative = base_load + np.cumsum(loads, axis=0)
    fits = cumulative.max(axis=1) <= limit + 1e-9
    if fits.all():
        return ~admitted
    first = int(np.argmin(fits))
    admitted[:first] = True
    load = cumulative[first - 1] if first > 0 else base_load.copy()
    # Only months where capacity binds reach this loop, one step per late arrival.
    for j in range(first, n):
        candidate = load + loads[j]
        if candidate.max() <= limit[j] + 1e-9:
            admitted[j] = True
            load = candidate
    return admitted
