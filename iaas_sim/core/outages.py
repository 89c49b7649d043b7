"""Outages: when each SLA tier's service is down, its monthly availability, and the credits
owed."""

from __future__ import annotations

import numpy as np

from iaas_sim.scenario.sla import CreditStep


def sample_repair_hours(mean: float, sd: float, rng: np.random.Generator) -> float:
    """One outage's duration: lognormal with this mean and sd (fixed when sd is 0)."""
    if sd == 0:
        return mean
    sigma2 = np.log1p((sd / mean) ** 2)
    return float(rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2)))


def compute_up_share(outages: list[tuple[float, float]], t0: int, t1: int) -> np.ndarray:
    """Share of each hour of ``[t0, t1)`` not covered by the outages ``[(start, end), …]``
    (in hours since the run's start)."""
    edges = np.arange(t0, t1 + 1, dtype=float)
    down = np.zeros(t1 - t0)
    for start, end in outages:
        if end <= t0 or start >= t1:
            continue
        overlap = np.minimum(edges[1:], end) - np.maximum(edges[:-1], start)
        down += np.clip(overlap, 0.0, 1.0)
    return np.clip(1.0 - down, 0.0, 1.0)


def compute_credit_share(availability: float, credits: list[CreditStep]) -> float:
    """Share of the bill credited: the largest credit whose level ``availability`` is
    strictly below (0 when none)."""
    owed = [step.credit for step in credits if availability < step.availability_below]
    return max(owed, default=0.0)
