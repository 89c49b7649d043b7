"""Outages: the SimPy process of one SLA tier's failures and repairs."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from iaas_sim.core.calendar import MonthGrid
from iaas_sim.core.outages import sample_repair_hours
from iaas_sim.scenario.sla import SlaTier

HOURS_PER_YEAR = 365.25 * 24


def run_outages(
    env: simpy.Environment,
    grid: MonthGrid,
    tier_in_force: Callable[[], SlaTier],
    rng: np.random.Generator,
    outages: list[tuple[float, float]],
) -> Generator[simpy.Event, Any, None]:
    """An SLA tier alternates up time (exponential, ``failures_per_year``) and repairs
    (lognormal durations); the tier in force is read at each failure. Each outage is
    appended to ``outages`` as ``(start, end)`` in hours."""
    while True:
        tier = tier_in_force()
        if tier.failures_per_year == 0:
            # Look again just after the next month opens, once its events have applied.
            following = grid.month_of_hour(env.now) + 1
            if following >= grid.n_months:
                return
            yield env.timeout(grid.start_hours[following] - env.now + 1e-6)
            continue
        wait = rng.exponential(HOURS_PER_YEAR / tier.failures_per_year)
        following = grid.month_of_hour(env.now) + 1
        if following < grid.n_months:
            opening = grid.start_hours[following] + 1e-6 - env.now
            if wait > opening:
                # Up time is memoryless: draw again once next month's events are in force.
                yield env.timeout(opening)
                continue
        yield env.timeout(wait)
        tier = tier_in_force()
        if tier.failures_per_year == 0:
            continue
        hours = sample_repair_hours(tier.repair_hours_mean, tier.repair_hours_sd, rng)
        outages.append((env.now, env.now + hours))
        yield env.timeout(hours)
