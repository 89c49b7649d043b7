"""The simulation clock: hours since the run's start, accounting by calendar month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from iaas_sim.scenario.types import Step

HOURS_PER_WEEK = 168
HOURS_PER_MONTH = 365.25 * 24 / 12
"""Average month, used to turn 'per month' rates into hourly ones."""


@dataclass(frozen=True)
class MonthGrid:
    """Month boundaries of a run."""

    month_starts: np.ndarray
    """First day of each month and of the month after the last, ``datetime64[D]`` (n + 1)."""
    start_hours: np.ndarray
    """Hour (since the run's start) at which each month starts, and the end (n + 1)."""
    weekday0: int
    """Weekday of the run's first day (Monday = 0)."""

    @property
    def n_months(self) -> int:
        return len(self.start_hours) - 1

    def hours_in(self, month: int) -> int:
        return int(self.start_hours[month + 1] - self.start_hours[month])

    def month_of_hour(self, hour: float) -> int:
        """Month index containing ``hour`` (may be ``n_months`` past the end)."""
        return int(np.searchsorted(self.start_hours, hour, side="right") - 1)

    def hour_of_date(self, day: dt.date) -> int:
        return int((np.datetime64(day, "D") - self.month_starts[0]).astype(np.int64) * 24)


def compute_month_grid(start: dt.date, months: int) -> MonthGrid:
    """Calendar months from ``start`` (the 1st of a month) for ``months`` months."""
    first = np.datetime64(start, "M")
    starts = (first + np.arange(months + 1)).astype("datetime64[D]")
    hours = (starts - starts[0]).astype(np.int64) * 24
    return MonthGrid(starts, hours, start.weekday())


def compute_schedule(schedule: float | list[Step], grid: MonthGrid) -> np.ndarray:
    """Monthly values of a schedule: a constant, or steps (zero before the first),
    averaged over each month's days so that a step mid-month counts pro rata."""
    n = grid.n_months
    if not isinstance(schedule, list):
        return np.full(n, float(schedule))
    days = grid.month_starts
    out = np.zeros(n)
    for k, step in enumerate(schedule):
        begin = np.datetime64(step.from_, "D")
        end = (
            np.datetime64(schedule[k + 1].from_, "D")
            if k + 1 < len(schedule)
            else days[-1] + np.timedelta64(1, "D")
        )
        lo = np.clip(begin, days[:-1], days[1:])
        hi = np.clip(end, days[:-1], days[1:])
        covered = (hi - lo).astype(np.int64) / (days[1:] - days[:-1]).astype(np.int64)
        out += step.value * covered
    return out
