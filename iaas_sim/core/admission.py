"""Admission: a new customer is refused when its expected load would not fit.

The expected load of the book is its deterministic weekly shape, ``sum_i vms_i shape_i(h)``
(fluctuations ignored); a newcomer is admitted if the peak of that shape with it added stays
within ``max_utilisation x capacity`` at its arrival hour. Refused customers are lost.
"""

from __future__ import annotations

import numpy as np

BLOCK = 16_384
"""Arrivals whose cumulative load is computed at once (168 hours each)."""


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
    limit = max_utilisation * capacity
    load = np.asarray(base_load, dtype=float)
    # Arrivals in blocks, so that memory stays bounded however many arrive in a month.
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        loads = vms[start:stop, None] * shapes[profile[start:stop]]
        cumulative = load + np.cumsum(loads, axis=0)
        fits = cumulative.max(axis=1) <= limit[start:stop] + 1e-9
        if fits.all():
            admitted[start:stop] = True
            load = cumulative[-1]
            continue
        first = int(np.argmin(fits))
        admitted[start : start + first] = True
        load = cumulative[first - 1] if first > 0 else load.copy()
        # Only months where capacity binds reach this loop, one step per late arrival.
        for j in range(start + first, n):
            candidate = load + vms[j] * shapes[profile[j]]
            if candidate.max() <= limit[j] + 1e-9:
                admitted[j] = True
                load = candidate
        break
    return admitted
