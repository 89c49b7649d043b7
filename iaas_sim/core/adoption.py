"""Bass diffusion: how many of a segment's potential customers adopt, and when."""

from __future__ import annotations

import numpy as np


def compute_bass_cumulative(t_years: np.ndarray, p: float, q: float) -> np.ndarray:
    """Share of the market adopted by time ``t`` (closed form of the Bass model):
    ``F(t) = (1 - exp(-(p+q)t)) / (1 + (q/p) exp(-(p+q)t))``, zero for ``t <= 0``."""
    t = np.maximum(np.asarray(t_years, dtype=float), 0.0)
    decay = np.exp(-(p + q) * t)
    return np.asarray((1.0 - decay) / (1.0 + (q / p) * decay))


def compute_bass_arrivals(
    month_start_years: np.ndarray, market: float, p: float, q: float
) -> np.ndarray:
    """Expected new adopters in each month, ``m (F(t_{k+1}) - F(t_k))``, given the
    ``n + 1`` month boundaries in years since adoption started."""
    return market * np.diff(compute_bass_cumulative(month_start_years, p, q))
