"""Gaussian AR(1) processes: the fluctuation every customer's demand carries, the common
shock all customers share, and the time-varying recursion a cohort's aggregate follows.

A stationary unit-variance AR(1) is ``x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t`` with
``e_t`` standard normal. A weighted sum of independent such processes with the same ``phi``
is itself a Gaussian AR(1); when customers join or leave the sum, its coefficient and
innovation variance change hour by hour (``compute_affine_scan``).
"""

from __future__ import annotations

import numpy as np


def compute_ar1(eps: np.ndarray, phi: float, state: np.ndarray | float) -> np.ndarray:
    """Stationary unit-variance AR(1) along the last axis, driven by the standard normal
    innovations ``eps``, starting from ``state`` (the value just before the first one).

    In blocks of ``L`` steps, ``x_{t0+i} = phi^(i+1) x_{t0-1} + phi^i cumsum(e phi^-j)_i``:
    a cumulative sum per block instead of a loop over steps. ``L`` keeps ``phi^-L`` far
    from overflow; the terms grow geometrically, so rounding stays relative to the last."""
    c = np.sqrt(1.0 - phi * phi)
    e: np.ndarray = np.asarray(eps, dtype=float) * c
    prev = np.broadcast_to(np.asarray(state, dtype=float), e.shape[:-1]).copy()
    if phi == 0.0:
        return e
    size = int(max(1, min(64, 250.0 / max(-np.log10(phi), 1e-9))))
    powers = phi ** np.arange(size)
    out = np.empty_like(e)
    for lo in range(0, e.shape[-1], size):
        block = e[..., lo : lo + size]
        n = block.shape[-1]
        x = np.cumsum(block / powers[:n], axis=-1) * powers[:n]
        x += prev[..., None] * (phi * powers[:n])
        out[..., lo : lo + n] = x
        prev = x[..., -1]
    return out


def sample_common_shock(
    phi: float, state: float, n_hours: int, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Hourly path of the shock all customers share (stationary unit-variance AR(1) going on
    from ``state``), and its last value."""
    path = compute_ar1(rng.standard_normal(n_hours), phi, state)
    return path, float(path[-1]) if n_hours else state


def compute_affine_scan(alpha: np.ndarray, u: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """``x_k = alpha_k x_{k-1} + u_k`` along axis 1 for every row, from ``x_{-1} = x0``.

    A parallel prefix scan (Hillis-Steele) over the affine maps, ``log2(hours)`` whole-array
    steps instead of a Python loop over hours; every factor stays in [0, 1] so nothing
    overflows, and a zero coefficient (a cohort left empty) needs no special case."""
    a = np.array(alpha, dtype=float)
    b = np.array(u, dtype=float)
    b[:, 0] += a[:, 0] * x0
    a[:, 0] = 0.0
    shift, n = 1, a.shape[1]
    while shift < n:
        b[:, shift:] += a[:, shift:] * b[:, :-shift]
        a[:, shift:] *= a[:, :-shift]
        shift *= 2
    return b
