"""The monthly book of accounts: operating costs, P&L, cash flow, and the metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from iaas_sim.core.calendar import MonthGrid
from iaas_sim.core.finance import (
    compute_breakeven,
    compute_depreciation,
    compute_irr,
    compute_npv,
    compute_payback,
    compute_peak_funding,
    compute_statements,
)
from iaas_sim.engine.columns import (
    LEDGER,
    METRICS,
    OPEX_LINE,
    PREFIXES,
    REVENUE_BY_PARTNER_TYPE,
    REVENUE_STREAM,
    availability,
    channel_revenue,
    check_columns,
    members,
    monthly_columns,
)
from iaas_sim.scenario.model import Scenario
from iaas_sim.scenario.operations import Finance
from iaas_sim.scenario.types import CHANNELS, SLA_TIERS

LEDGER_COLUMNS = frozenset(c.name for c in monthly_columns() if c.by == LEDGER)
"""The columns the ledger computes, as the registry says (the close gives the others)."""


@dataclass(frozen=True)
class Books:
    """What a finished run leaves for the ledger: one row per month from the close, and the
    capital and reservation cash by month."""

    rows: list[dict[str, Any]]
    """Each month's row (registry names; totals left to the ledger)."""
    month_starts: np.ndarray
    """First day of each month (and of the month after the last)."""
    capex: np.ndarray
    """Capex spent each month (at order)."""
    in_service_capex: np.ndarray
    """Capex of the servers put in service each month."""
    upfront_cash: np.ndarray
    recognised_upfront: np.ndarray
    funding: np.ndarray
    """Cash put in each month (initial cash and funding events)."""


def compute_funding(finance: Finance, grid: MonthGrid) -> np.ndarray:
    """Cash put in each month: the initial cash in the first, each funding event in the
    month of its date."""
    funding = np.zeros(grid.n_months)
    funding[0] += finance.initial_cash
    for event in finance.funding:
        funding[grid.month_of_hour(grid.hour_of_date(event.date))] += event.amount
    return funding


def compute_monthly(books: Books, finance: Finance) -> pd.DataFrame:
    """The monthly table, its columns and totals as the registry declares them. Its partner
    types are those of the months' rows, in the order they appeared (an event may open a
    programme: a type earns nothing in the months before it existed)."""
    prefix = PREFIXES[REVENUE_BY_PARTNER_TYPE]
    seen = dict.fromkeys(k for row in books.rows for k in row if k.startswith(prefix))
    registry = monthly_columns([k.removeprefix(prefix) for k in seen])
    names = [c.name for c in registry]
    rows = pd.DataFrame(books.rows)
    check_columns(
        sorted(rows.columns), sorted(set(names) - LEDGER_COLUMNS), "the monthly close's columns"
    )
    rows[list(seen)] = rows[list(seen)].fillna(0.0)
    rows.index = pd.PeriodIndex(books.month_starts[:-1], freq="M", name="month")
    streams = members(registry, REVENUE_STREAM)
    rows["revenue"] = sum(rows[s] for s in streams)
    rows["opex"] = rows[members(registry, OPEX_LINE)].sum(axis=1)
    rows["capex"] = books.capex
    rows["depreciation"] = compute_depreciation(
        books.in_service_capex, finance.depreciation_years * 12
    )
    st = compute_statements(
        rows["revenue"].to_numpy(),
        rows["opex"].to_numpy(),
        books.capex,
        rows["depreciation"].to_numpy(),
        books.funding,
        finance.dso_days,
        upfront_cash=books.upfront_cash,
        recognised_upfront=books.recognised_upfront,
    )
    rows["deferred_revenue"] = np.cumsum(books.upfront_cash - books.recognised_upfront)
    rows["ebitda"] = st.ebitda
    rows["ebit"] = st.ebit
    rows["collections"] = st.collections
    rows["free_cash_flow"] = st.free_cash_flow
    rows["funding"] = books.funding
    rows["cash_flow"] = st.cash_flow
    rows["cumulative_cash"] = st.cumulative_cash
    rows["cumulative_free_cash_flow"] = st.cumulative_free_cash_flow
    return rows[names]


def _month(monthly: pd.DataFrame, k: int | None) -> str | None:
    return None if k is None else str(monthly.index[k])


def compute_metrics(monthly: pd.DataFrame, sc: Scenario) -> dict[str, Any]:
    """Scalar metrics of a run (DESIGN.md), months written ``YYYY-MM``, in the registry's
    order."""
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
    metrics = {
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
        "revenue_by_channel": {c: float(monthly[channel_revenue(c)].sum()) for c in CHANNELS},
        "availability_by_tier": {
            tier: float(np.average(monthly[availability(tier)], weights=hours))
            for tier in SLA_TIERS
        },
        "sla_credits": float(-monthly["revenue_sla_credits"].sum()),
    }
    check_columns(list(metrics), [c.name for c in METRICS], "the metrics")
    return metrics
