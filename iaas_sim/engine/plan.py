"""What a scenario in force says about the months ahead: the events by month, and the
new adopters expected per segment and month."""

from __future__ import annotations

import numpy as np

from iaas_sim.core.adoption import compute_bass_arrivals
from iaas_sim.core.calendar import MonthGrid
from iaas_sim.core.pricing import compute_competitor_prices, compute_price_response
from iaas_sim.scenario.events import compute_timeline
from iaas_sim.scenario.model import Scenario


def compute_events_by_month(sc: Scenario, grid: MonthGrid) -> dict[int, list[tuple[str, Scenario]]]:
    """Each event's name and the scenario it puts in force, from the first month starting
    on or after its date."""
    by_month: dict[int, list[tuple[str, Scenario]]] = {}
    for day, name, scenario in compute_timeline(sc):
        m = int(np.searchsorted(grid.month_starts, np.datetime64(day, "D")))
        by_month.setdefault(m, []).append((name, scenario))
    return by_month


def compute_expected_arrivals(sc: Scenario, grid: MonthGrid, list_prices: np.ndarray) -> np.ndarray:
    """Expected new adopters per segment and month (segments x months): the Bass curve of
    each segment, times the response to the list price against the competitor's."""
    table = np.zeros((len(sc.segments), grid.n_months))
    for i, seg in enumerate(sc.segments):
        begin = np.datetime64(seg.adoption_start or sc.run.start, "D")
        years = (grid.month_starts - begin).astype(np.int64) / 365.25
        table[i] = compute_bass_arrivals(
            years, seg.potential_customers, seg.bass_p_per_year, seg.bass_q_per_year
        )
    response = compute_price_response(
        list_prices,
        compute_competitor_prices(sc.pricing, grid, sc.run.start),
        sc.pricing.price_elasticity,
    )
    return np.asarray(table * response)
