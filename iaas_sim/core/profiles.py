"""Hourly usage profiles: the share of a customer's VMs running at each hour of the week,
and how much a customer's use fluctuates around that shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.core.calendar import HOURS_PER_WEEK
from iaas_sim.scenario.types import PROFILES


@dataclass(frozen=True)
class Profile:
    """A weekly shape with its default fluctuation."""

    shape: np.ndarray
    """Share of the customer's VMs running, per hour of the week (Monday 00:00 first)."""
    cv: float
    """Coefficient of variation of the hourly fluctuation around the shape."""
    autocorrelation: float
    """Lag-1 hourly autocorrelation of the fluctuation (AR(1) coefficient)."""


def _weekly(weekday_hours: dict[range, float], night: float, weekend: float) -> np.ndarray:
    day = np.full(24, night)
    for hours, level in weekday_hours.items():
        day[hours] = level
    week = np.concatenate([np.tile(day, 5), np.full(48, weekend)])
    assert week.shape == (HOURS_PER_WEEK,)
    return week


PROFILE_TABLE: dict[str, Profile] = {
    # Production services: every VM on, small fluctuations.
    "always_on": Profile(np.ones(HOURS_PER_WEEK), cv=0.10, autocorrelation=0.90),
    # Office applications: full in office hours, shoulders, a quarter at night, weekends low.
    "business_hours": Profile(
        _weekly({range(8, 19): 1.0, range(7, 8): 0.6, range(19, 21): 0.6}, 0.25, 0.20),
        cv=0.20,
        autocorrelation=0.80,
    ),
    # Dev & test platforms switched on for a few hours on working days.
    "dev_test": Profile(
        _weekly({range(9, 18): 0.70, range(18, 20): 0.30}, 0.05, 0.05),
        cv=0.50,
        autocorrelation=0.70,
    ),
}


def profile_matrix() -> np.ndarray:
    """Shapes stacked in the order of ``PROFILES`` (n_profiles x 168)."""
    return np.stack([PROFILE_TABLE[name].shape for name in PROFILES])
