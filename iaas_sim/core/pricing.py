"""List prices over time (annual and dated cuts), the competitor's, and how arrivals respond
to the gap between them."""

from __future__ import annotations

import datetime as dt

import numpy as np

from iaas_sim.core.calendar import MonthGrid
from iaas_sim.scenario.market import Pricing
from iaas_sim.scenario.types import MAX_PRICE_RESPONSE


def _months_since(grid: MonthGrid, origin: dt.date) -> np.ndarray:
    """Whole months from ``origin``'s month to each month's start (0 before it)."""
    months = grid.month_starts[:-1].astype("datetime64[M]") - np.datetime64(origin, "M")
    return np.maximum(months.astype(np.int64), 0)


def compute_list_prices(pricing: Pricing, grid: MonthGrid, run_start: dt.date) -> np.ndarray:
    """List price per VM-hour (99.7 % tier) of each month: ``vm_hour_price`` at
    ``price_cut_start``, cut by ``annual_price_cut`` a year compounded monthly, and by each
    dated cut from the first month starting on or after its date."""
    origin = pricing.price_cut_start or run_start
    prices = pricing.vm_hour_price * (1.0 - pricing.annual_price_cut) ** (
        _months_since(grid, origin) / 12.0
    )
    starts = grid.month_starts[:-1]
    for cut in pricing.price_cuts:
        prices = np.where(starts >= np.datetime64(cut.date, "D"), prices * (1.0 - cut.cut), prices)
    return np.asarray(prices, dtype=float)


def compute_competitor_prices(
    pricing: Pricing, grid: MonthGrid, run_start: dt.date
) -> np.ndarray | None:
    """The reference competitor's list price of each month (``None`` if not set)."""
    if pricing.competitor_vm_hour_price is None:
        return None
    origin = pricing.price_cut_start or run_start
    cut = pricing.competitor_annual_price_cut
    return np.asarray(
        pricing.competitor_vm_hour_price * (1.0 - cut) ** (_months_since(grid, origin) / 12.0)
    )


def compute_price_response(
    prices: np.ndarray, competitor: np.ndarray | None, elasticity: float
) -> np.ndarray:
    """Factor on new arrivals: ``(price / competitor price) ** -elasticity`` (1 when there
    is no competitor price or no elasticity), at most ``MAX_PRICE_RESPONSE``: a price far
    below the competitor's cannot bring more than that many times the market's adopters."""
    if competitor is None or elasticity == 0.0:
        return np.ones_like(prices)
    ratio = np.log(prices / competitor) * -elasticity  # in logs: no overflow
    return np.asarray(np.exp(np.minimum(ratio, np.log(MAX_PRICE_RESPONSE))))
