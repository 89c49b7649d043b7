"""The monthly book of accounts: operating costs, P&L, cash flow, and the metrics."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from iaas_sim.core.finance import (
    compute_breakeven,
    compute_depreciation,
    compute_irr,
    compute_npv,
    compute_payback,
    compute_peak_funding,
    compute_statements,
)
from iaas_sim.scenario.types import CHANNELS, SLA_TIERS

if TYPE_CHECKING:
    from iaas_sim.engine.world import World

STREAMS: tuple[str, ...] = ("usage", "reserved", "marketplace", "sla_credits")
"""Revenue streams; each has a ``revenue_<stream>`` column."""

OPEX_LINES: tuple[str, ...] = (
    "power",
    "colocation",
    "maintenance",
    "staff",
    "sales_force",
    "partner_programme",
    "marketing",
    "vendor_share",
)
"""Operating cost lines; each has an ``opex_<line>`` column."""


def compute_monthly(world: World) -> pd.DataFrame:
    """The monthly table of a finished world (columns as in DESIGN.md, and more)."""
    sc, grid = world.sc, world.grid
    rows = pd.DataFrame(world.rows)
    rows.index = pd.PeriodIndex(grid.month_starts[:-1], freq="M", name="month")
    revenue = sum(rows[f"revenue_{s}"] for s in STREAMS)
    rows.insert(list(rows.columns).index("revenue_usage"), "revenue", revenue)
    lines = [f"opex_{line}" for line in OPEX_LINES]
    opex = rows[lines]
    rows = rows.drop(columns=lines)
    rows["opex"] = opex.sum(axis=1)
    rows[lines] = opex
    funding = np.zeros(grid.n_months)
    funding[0] += sc.finance.initial_cash
    for event in sc.finance.funding:
        funding[grid.month_of_hour(grid.hour_of_date(event.date))] += event.amount
    rows["capex"] = world.capex
    rows["depreciation"] = compute_depreciation(
        world.in_service_capex, sc.finance.depreciation_years * 12
    )
    st = compute_statements(
        rows["revenue"].to_numpy(),
        rows["opex"].to_numpy(),
        world.capex,
        rows["depreciation"].to_numpy(),
        funding,
        sc.finance.dso_days,
        upfront_cash=world.upfront_cash,
        recognised_upfront=world.recognised_upfront,
    )
    rows["deferred_revenue"] = np.cumsum(world.upfront_cash - world.recognised_upfront)
    rows["ebitda"] = st.ebitda
    rows["ebit"] = st.ebit
    rows["collections"] = st.collections
    rows["free_cash_flow"] = st.free_cash_flow
    rows["funding"] = funding
    rows["cash_flow"] = st.cash_flow
    rows["cumulative_cash"] = st.cumulative_cash
    rows["cumulative_free_cash_flow"] = st.cumulative_free_cash_flow
    for column in ("pooling_gain", "events"):
        rows[column] = rows.pop(column)
    return rows


def _month(monthly: pd.DataFrame, k: int | None) -> str | None:
    return None if k is None else str(monthly.index[k])


def compute_metrics(monthly: pd.DataFrame, world: World) -> dict[str, Any]:
    """Scalar metrics of a run (DESIGN.md), months written ``YYYY-MM``."""
    sc = world.sc
    th = sc.capacity.thresholds
    fcf = monthly["free_cash_flow"].to_numpy()
    cum_fcf = monthly["cumulative_free_cash_flow"].to_numpy()
    # Utilisation metrics count the months in service: with capacity, from the first month
    # that served any demand (idle months before the launch would drown the signal).
    served = monthly["vm_hours_billed"].to_numpy() > 0
    counted = (np.cumsum(served) > 0) & (monthly["capacity_vms"].to_numpy() > 0)
    basis = monthly["procurement_utilisation"].to_numpy()
    years = pd.PeriodIndex(monthly.index).year
    by_year = monthly["revenue"].groupby(years).sum()
    gains = monthly["pooling_gain"].dropna()
    hours = pd.PeriodIndex(monthly.index).days_in_month.to_numpy() * 24
    cash = monthly["cumulative_cash"].to_numpy()
    return {
        "npv": compute_npv(fcf, sc.finance.discount_rate_per_year),
        "irr": compute_irr(fcf),
        "breakeven_month": _month(monthly, compute_breakeven(monthly["ebitda"].to_numpy())),
        "payback_month": _month(monthly, compute_payback(cum_fcf)),
        "peak_funding": compute_peak_funding(cum_fcf),
        "revenue_by_year": {str(y): float(v) for y, v in by_year.items()},
        "mean_utilisation": float(monthly["utilisation"][counted].mean()) if counted.any() else 0.0,
        "months_in_service": int(counted.sum()),
        "months_below_low_threshold": int(np.sum(counted & (basis < th.low))),
        "months_above_high_threshold": int(np.sum(counted & (basis > th.high))),
        "pooling_gain": float(gains.mean()) if len(gains) else math.nan,
        "total_revenue": float(monthly["revenue"].sum()),
        "final_customers": int(monthly["customers"].iloc[-1]),
        "final_vms_avg": float(monthly["vms_avg"].iloc[-1]),
        "lost_customers": int(monthly["lost_customers"].sum()),
        "missed_customers": int(monthly["missed_customers"].sum()),
        "unserved_vm_hours": float(monthly["unserved_vm_hours"].sum()),
        "min_cash_balance": float(cash.min()),
        "months_cash_negative": int(np.sum(cash < 0)),
        "revenue_by_channel": {c: float(monthly[f"revenue_channel_{c}"].sum()) for c in CHANNELS},
        "availability_by_tier": {
            tier: float(
                np.average(monthly[f"availability_{tier.replace('.', '_')}"], weights=hours)
            )
            for tier in SLA_TIERS
        },
        "sla_credits": float(-monthly["revenue_sla_credits"].sum()),
    }
