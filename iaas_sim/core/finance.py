"""Finance maths: depreciation, collections with DSO, cash flow, NPV, IRR and the metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from iaas_sim.core.calendar import HOURS_PER_MONTH

DAYS_PER_MONTH = HOURS_PER_MONTH / 24


def compute_depreciation(in_service_capex: np.ndarray, life_months: float) -> np.ndarray:
    """Straight-line depreciation per month of capex put in service each month (the month it
    enters service counts in full; a fractional last month takes the remainder)."""
    whole = math.floor(life_months)
    kernel = np.ones(whole + (1 if life_months > whole else 0))
    if life_months > whole:
        kernel[-1] = life_months - whole
    kernel /= life_months
    return np.convolve(in_service_capex, kernel)[: len(in_service_capex)]


def compute_collections(revenue: np.ndarray, dso_days: float) -> np.ndarray:
    """Cash received per month when bills are paid ``dso_days`` after the month billed:
    a fractional lag is shared between the two neighbouring months."""
    lag = dso_days / DAYS_PER_MONTH
    k = math.floor(lag)
    frac = lag - k
    n = len(revenue)
    shifted = np.zeros(n + k + 2)
    shifted[k : k + n] += (1.0 - frac) * revenue
    shifted[k + 1 : k + 1 + n] += frac * revenue
    return shifted[:n]


def compute_npv(cash: np.ndarray, rate_per_year: float) -> float:
    """Net present value, each month's cash discounted from the end of that month."""
    t = (np.arange(len(cash)) + 1) / 12.0
    return float(np.sum(cash / (1.0 + rate_per_year) ** t))


IRR_GRID = np.concatenate([-np.geomspace(0.9, 1e-7, 60), [0.0], np.geomspace(1e-7, 10.0, 80)])
"""Monthly rates scanned for a sign change of the NPV (-90 % to +1000 % a month)."""


def _npv_sign(cash: np.ndarray, rate: float) -> float:
    """A value with the sign (and the roots) of the NPV at a monthly ``rate``, that never
    overflows: the NPV itself for ``rate >= 0``, ``(1 + rate)^T`` times it below."""
    t = np.arange(len(cash)) + 1.0
    power = -t if rate >= 0 else len(cash) - t
    return float(np.sum(cash * np.exp(power * np.log1p(rate))))


def compute_irr(cash: np.ndarray) -> float | None:
    """Yearly internal rate of return of monthly cash flows: the root of the NPV nearest a
    zero rate; ``None`` when the NPV changes sign nowhere between -90 % and +1000 % a
    month (for example when the cash flows never change sign)."""
    if not (np.any(cash < 0) and np.any(cash > 0)):
        return None
    values = np.array([_npv_sign(cash, r) for r in IRR_GRID])
    if np.any(values == 0.0):
        roots = IRR_GRID[values == 0.0]
        return float((1.0 + roots[np.argmin(np.abs(roots))]) ** 12 - 1.0)
    changes = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    if len(changes) == 0:
        return None
    k = min(changes, key=lambda i: min(abs(IRR_GRID[i]), abs(IRR_GRID[i + 1])))
    monthly = brentq(
        lambda r: _npv_sign(cash, r),
        IRR_GRID[k],
        IRR_GRID[k + 1],
        xtol=1e-14,
        rtol=1e-12,
        maxiter=500,
    )
    return float((1.0 + monthly) ** 12 - 1.0)


@dataclass(frozen=True)
class Statements:
    """Monthly P&L and cash lines."""

    ebitda: np.ndarray
    ebit: np.ndarray
    collections: np.ndarray
    free_cash_flow: np.ndarray
    cash_flow: np.ndarray
    cumulative_cash: np.ndarray
    cumulative_free_cash_flow: np.ndarray


def compute_statements(
    revenue: np.ndarray,
    opex: np.ndarray,
    capex: np.ndarray,
    depreciation: np.ndarray,
    funding: np.ndarray,
    dso_days: float,
    upfront_cash: np.ndarray | None = None,
    recognised_upfront: np.ndarray | None = None,
) -> Statements:
    """EBITDA, EBIT and cash. Free cash flow = collections - opex - capex; cash flow adds
    funding; cumulative cash is the bank balance. Revenue is collected ``dso_days`` after
    the month billed, except upfront fees (recognised over their term within ``revenue``),
    whose cash comes at signature."""
    ebitda = revenue - opex
    # Upfront fees are cash at signature, not billed with the month: they leave the DSO lag.
    upfront = np.zeros_like(revenue) if upfront_cash is None else upfront_cash
    recognised = np.zeros_like(revenue) if recognised_upfront is None else recognised_upfront
    collections = compute_collections(revenue - recognised, dso_days) + upfront
    fcf = collections - opex - capex
    cash_flow = fcf + funding
    return Statements(
        ebitda,
        ebitda - depreciation,
        collections,
        fcf,
        cash_flow,
        np.cumsum(cash_flow),
        np.cumsum(fcf),
    )


def compute_breakeven(ebitda: np.ndarray) -> int | None:
    """First month of positive EBITDA that lasts to the end of the run."""
    negative = np.flatnonzero(ebitda <= 0)
    first = 0 if len(negative) == 0 else int(negative[-1]) + 1
    return first if first < len(ebitda) else None


def compute_payback(cumulative_fcf: np.ndarray) -> int | None:
    """First month, after the deepest point of the J-curve, when cumulative free cash flow
    is back to zero (its start). Month 0 if it never goes below zero."""
    if len(cumulative_fcf) == 0:
        return None
    trough = int(np.argmin(cumulative_fcf))
    if cumulative_fcf[trough] >= 0:
        return 0
    back = np.flatnonzero(cumulative_fcf[trough:] >= 0)
    return trough + int(back[0]) if len(back) else None


def compute_peak_funding(cumulative_fcf: np.ndarray) -> float:
    """Deepest cumulative free-cash-flow deficit, as a positive number (0 if none)."""
    return float(max(0.0, -cumulative_fcf.min(initial=0.0)))
