"""The rows of the summary tables that the console and the HTML report both show: a run's
metrics, a Monte Carlo run's quantiles, a result's years. Plain strings, no matplotlib."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from iaas_sim.engine.columns import METRICS

if TYPE_CHECKING:
    from iaas_sim.engine.result import Result
    from iaas_sim.experiments.montecarlo import MonteCarloResult

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}

MC_METRICS = ("total_revenue", "npv", "peak_funding", "mean_utilisation", "pooling_gain")
"""Metrics whose spread a Monte Carlo summary shows (after the uncertain inputs)."""

MONEY_METRICS = frozenset(c.name for c in METRICS if c.unit == "currency")
"""Metrics that are amounts of money, as the registry says."""

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def format_money(value: float, currency: str = "EUR") -> str:
    """``1.25e6`` -> ``€1.25M``; k / M / bn with the currency's symbol or code."""
    sym = SYMBOLS.get(currency, currency + " ")
    sign, v = ("-" if value < 0 else ""), abs(value)
    for scale, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if v >= scale:
            return f"{sign}{sym}{v / scale:.3g}{suffix}"
    return f"{sign}{sym}{v:.3g}"


def metric_rows(
    metrics: dict[str, Any], currency: str = "EUR", by_year: bool = True
) -> list[tuple[str, str]]:
    """A run's metrics as (label, value) rows, money in k / M / bn; ``by_year``: with
    each year's revenue."""
    irr = metrics["irr"]
    return [
        ("revenue, whole run", format_money(metrics["total_revenue"], currency)),
        *(
            (f"revenue {y}", format_money(v, currency))
            for y, v in metrics["revenue_by_year"].items()
            if by_year
        ),
        ("break-even (EBITDA > 0 for good)", metrics["breakeven_month"] or "never"),
        ("payback (cumulative free cash flow back to 0)", metrics["payback_month"] or "never"),
        ("peak funding", format_money(metrics["peak_funding"], currency)),
        ("NPV", format_money(metrics["npv"], currency)),
        ("IRR", "undefined" if irr is None else f"{irr:.1%}"),
        ("mean utilisation", f"{metrics['mean_utilisation']:.1%}"),
        ("months below low threshold", str(metrics["months_below_low_threshold"])),
        ("months above high threshold", str(metrics["months_above_high_threshold"])),
        ("pooling gain", f"{metrics['pooling_gain']:.2f}"),
        ("customers at the end", f"{metrics['final_customers']:,}"),
        ("customers lost (capacity full)", f"{metrics['lost_customers']:,}"),
    ]


def mc_rows(
    mc: MonteCarloResult, quantiles: tuple[float, ...] = (0.05, 0.5, 0.95)
) -> list[tuple[str, list[str]]]:
    """The uncertain inputs' and the key metrics' quantiles across replications, then the
    share of replications paying back within the run."""
    m = mc.metrics
    currency = mc.metadata.get("currency", "EUR")
    rows: list[tuple[str, list[str]]] = []
    for name in (*mc.metadata.get("uncertain_inputs", ()), *MC_METRICS):
        if name not in m:
            continue
        values = pd.to_numeric(m[name], errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if not len(values):
            continue
        q = np.quantile(values, quantiles)
        if name in MONEY_METRICS:
            cells = [format_money(v, currency) for v in q]
        elif name == "mean_utilisation":
            cells = [f"{v:.1%}" for v in q]
        else:
            cells = [f"{v:.4g}" for v in q]
        rows.append((name, cells))
    if "payback_month" in m:
        paid = float(m["payback_month"].notna().mean())
        rows.append(
            ("share paying back within the run", [f"{paid:.1%}"] + [""] * (len(quantiles) - 1))
        )
    return rows


def goal_lines(mc: MonteCarloResult) -> list[str]:
    """``P(goal) = 62.0 % ± 2.2 % (500 replications)`` per goal."""
    return [
        f"P({row.goal}) = {row.probability:.1%} ± {row.standard_error:.1%} "
        f"({row.replications:,} replications)"
        for row in mc.goals.itertuples()
    ]


def yearly(result: Result) -> pd.DataFrame:
    """The run's calendar years: flows summed, stocks at the year's end, utilisation
    averaged over months in service."""
    m = result.monthly
    years = pd.PeriodIndex(m.index).year
    grouped = m.groupby(years)
    table = pd.DataFrame(
        {
            "revenue": grouped["revenue"].sum(),
            "opex": grouped["opex"].sum(),
            "EBITDA": grouped["ebitda"].sum(),
            "capex": grouped["capex"].sum(),
            "free cash flow": grouped["free_cash_flow"].sum(),
            "cumulative free cash flow": grouped["cumulative_free_cash_flow"].last(),
            "customers": grouped["customers"].last(),
            "VMs (mean)": grouped["vms_avg"].mean(),
            "capacity (VMs)": grouped["capacity_vms"].last(),
            "utilisation (mean)": m["utilisation"]
            .where(m["capacity_vms"] > 0)
            .groupby(years)
            .mean(),
        }
    )
    table.index.name = "year"
    return table
