"""Plots of results (the only module importing matplotlib). Each ``plot_*`` draws on ``ax``
(a new figure when ``None``), returns the Axes and never calls ``plt.show()``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from iaas_sim.analysis.summary import SYMBOLS as SYMBOLS
from iaas_sim.analysis.summary import format_money as format_money
from iaas_sim.scenario.operations import Thresholds
from iaas_sim.scenario.text import printable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from iaas_sim.engine.result import Result
    from iaas_sim.experiments.pooling_curve import PoolingCurve


def money_axis(ax: Axes, currency: str, axis: str = "y") -> None:
    """Readable money ticks on one axis."""
    fmt = ticker.FuncFormatter(lambda v, _pos: format_money(v, currency))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _dates(monthly: pd.DataFrame) -> np.ndarray:
    return np.asarray(pd.PeriodIndex(monthly.index).to_timestamp().to_numpy())


def _new_axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=(9, 5), layout="constrained").add_subplot()


def chart_text(text: str) -> str:
    """A scenario's text drawn as written: control characters as codes, and ``$`` kept
    (matplotlib would read ``$...$`` as mathematics, and refuse what it cannot parse)."""
    return printable(text, keep="").replace("$", r"\$")


def _finish_money_axes(ax: Axes, currency: str, ylabel: str, title: str) -> None:
    """Zero line, money and date ticks, labels, grid and legend of a money-over-time plot."""
    ax.axhline(0, color="0.3", lw=0.8)
    money_axis(ax, currency)
    _date_axis(ax)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def plot_cashflow(
    results: Result | Sequence[Result],
    *,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
) -> Axes:
    """Cumulative free cash flow (the J-curve) of one or several results, with break-even,
    payback and peak funding marked."""
    ax = _new_axes(ax)
    many = [results] if not isinstance(results, Sequence) else list(results)
    names = list(labels) if labels else [r.metadata.get("scenario_name", "") for r in many]
    names = [chart_text(n) for n in names]
    currency = many[0].metadata.get("currency", "EUR")
    balance = False  # the cash balance is drawn for a lone result with funding
    for k, (res, name) in enumerate(zip(many, names, strict=True)):
        color = mpl.colormaps["tab10"](k % 10)
        m, x = res.monthly, _dates(res.monthly)
        cum = m["cumulative_free_cash_flow"].to_numpy()
        trough = int(np.argmin(cum))
        peak = f"peak funding {format_money(-cum[trough], currency)}" if cum[trough] < 0 else ""
        # Several curves: peak funding goes in the legend (troughs often coincide).
        label = f"{name} (cumulative free cash flow" + (f"; {peak})" if peak and many[1:] else ")")
        ax.plot(x, cum, color=color, lw=2, label=label)
        if m["funding"].abs().sum() > 0 and len(many) == 1:
            balance = True
            ax.plot(
                x,
                m["cumulative_cash"],
                color=color,
                lw=1,
                ls="--",
                label="cash balance (with funding)",
            )
        if peak:
            ax.plot([x[trough]], [cum[trough]], "v", color=color, ms=7)
        if peak and len(many) == 1:
            ax.annotate(
                peak,
                (x[trough], cum[trough]),
                xytext=(0, -14),
                textcoords="offset points",
                ha=_side(trough, len(cum)),
                va="top",
                fontsize=8,
                color=color,
            )
        _mark_month(ax, m, res.metrics.get("breakeven_month"), "break-even", color, "o", k)
        _mark_month(ax, m, res.metrics.get("payback_month"), "payback", color, "*", k)
    _finish_money_axes(
        ax,
        currency,
        f"cumulative free cash flow ({currency})",
        "Cumulative free cash flow (the J-curve)" + (" and cash balance" if balance else ""),
    )
    ax.margins(y=0.15)
    return ax


def _mark_month(
    ax: Axes,
    monthly: pd.DataFrame,
    month: str | None,
    text: str,
    color: object,
    marker: str,
    curve: int = 0,
) -> None:
    """A marker and a label at ``month`` of curve number ``curve`` (labels of later curves
    sit higher, so that curves marked at the same place keep readable labels)."""
    if not month:
        return
    months = pd.PeriodIndex(monthly.index)
    k = list(months).index(pd.Period(month, freq="M"))
    x = np.datetime64(months[k].to_timestamp(), "D")
    y = monthly["cumulative_free_cash_flow"].iloc[k]
    ax.plot([x], [y], marker, color=color, ms=9, mec="black", mew=0.5)
    ha = _side(k, len(monthly))
    ax.annotate(
        f"{text} {month}",
        (x, y),
        xytext=(-6 if ha == "right" else 6, 8 + 11 * curve),
        textcoords="offset points",
        ha=ha,
        fontsize=8,
        color=color,
    )


def _side(k: int, n: int) -> str:
    """Text alignment that keeps a label at position ``k`` of ``n`` inside the axes."""
    if k > 0.8 * n:
        return "right"
    return "left" if k < 0.2 * n else "center"


def plot_revenue_ebitda(result: Result, *, ax: Axes | None = None) -> Axes:
    """Monthly revenue, opex and EBITDA."""
    ax = _new_axes(ax)
    m, x = result.monthly, _dates(result.monthly)
    currency = result.metadata.get("currency", "EUR")
    ax.plot(x, m["revenue"], lw=2, label="revenue", color="tab:green")
    ax.plot(x, m["opex"], lw=1.5, label="opex", color="tab:red")
    ax.fill_between(
        x,
        m["ebitda"],
        0,
        where=m["ebitda"] >= 0,
        color="tab:green",
        alpha=0.2,
        step="mid",
        label="EBITDA > 0",
    )
    ax.fill_between(
        x,
        m["ebitda"],
        0,
        where=m["ebitda"] < 0,
        color="tab:red",
        alpha=0.2,
        step="mid",
        label="EBITDA < 0",
    )
    _finish_money_axes(
        ax, currency, f"per month ({currency})", "Revenue, opex and EBITDA per month: the scissors"
    )
    return ax


def make_cashflow_figure(result: Result) -> Figure:
    """The figure of ``cashflow.png``: the J-curve above, revenue and EBITDA below."""
    fig = Figure(figsize=(10, 8), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    plot_cashflow(result, ax=top)
    plot_revenue_ebitda(result, ax=bottom)
    title = chart_text(result.metadata.get("scenario_name", ""))
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


DEFAULT_THRESHOLDS = (Thresholds().low, Thresholds().target, Thresholds().high)
"""Cloudwatt's utilisation thresholds (low, target, high), the default of
``capacity.thresholds``."""


def threshold_bands(
    thresholds: tuple[float, float, float] = DEFAULT_THRESHOLDS,
) -> tuple[tuple[float, str, str], ...]:
    """The low, target and high thresholds with their labels and colours."""
    low, target, high = thresholds
    return (
        (low, f"{low * 100:g} % eating the business", "tab:red"),
        (target, f"{target * 100:g} % on target", "tab:orange"),
        (high, f"{high * 100:g} % all profit", "tab:green"),
    )


def thresholds_of(metadata: dict[str, Any]) -> tuple[float, float, float]:
    """The scenario's thresholds recorded in a result's metadata (the default for results
    saved before they were recorded)."""
    th = metadata.get("thresholds")
    if not isinstance(th, dict):
        return DEFAULT_THRESHOLDS
    return (float(th["low"]), float(th["target"]), float(th["high"]))


def draw_thresholds(
    ax: Axes, fontsize: int = 8, thresholds: tuple[float, float, float] = DEFAULT_THRESHOLDS
) -> None:
    """The low / target / high lines, each labelled at the left edge."""
    for level, name, color in threshold_bands(thresholds):
        ax.axhline(level, color=color, lw=1, alpha=0.8)
        ax.annotate(
            name,
            (0.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(4, 2),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=fontsize,
            color=color,
        )


def plot_pooling(curve: PoolingCurve, *, ax: Axes | None = None) -> Axes:
    """Utilisation achievable against the number of customers: the simulated mean with
    its 5-95 % band across books, the square-root law beside it, the curve's utilisation
    thresholds and the limit with infinitely many customers."""
    ax = _new_axes(ax)
    t, law = curve.table, curve.law
    ax.fill_between(
        t["customers"],
        t["utilisation_p5"],
        t["utilisation_p95"],
        color="tab:blue",
        alpha=0.2,
        label="simulated, 5-95 % of books",
    )
    ax.plot(t["customers"], t["utilisation"], "o-", color="tab:blue", lw=2, label="simulated mean")
    ax.plot(
        law["customers"],
        law["utilisation_law"],
        "--",
        color="black",
        lw=1.2,
        label="square-root law",
    )
    ax.axhline(
        curve.limit,
        color="0.4",
        ls=":",
        lw=1.2,
        label=f"limit, infinitely many customers ({curve.limit:.0%})",
    )
    thresholds = curve.thresholds
    draw_thresholds(ax, thresholds=thresholds)
    for level, _name, color in threshold_bands(thresholds):
        n = curve.customers_needed.get(level)
        if n is not None and t["customers"].iloc[0] < n <= t["customers"].iloc[-1]:
            ax.plot([n], [level], "D", color=color, ms=6)
            ax.annotate(
                f"{n:,.0f}",
                (n, level),
                xytext=(0, -12),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=8,
                color=color,
            )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("customers sharing the capacity")
    ax.set_ylabel("utilisation achievable (mean demand / capacity needed)")
    spec = curve.spec
    ax.set_title(
        f"Pooling curve: capacity serving all demand in {spec.service_level:.1%} of hours, "
        f"correlation {spec.correlation:g}",
        fontsize=10,
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_pooling_headroom(curve: PoolingCurve, *, ax: Axes | None = None) -> Axes:
    """Capacity needed above mean demand (headroom), log-log: falls like one over the
    square root of the number of customers until the shape or the correlation stops it."""
    ax = _new_axes(ax)
    t, law = curve.table, curve.law
    ax.plot(
        t["customers"],
        t["capacity_vms"] / t["mean_demand_vms"] - 1,
        "o-",
        color="tab:blue",
        lw=2,
        label="simulated",
    )
    ax.plot(
        law["customers"],
        law["capacity_law_vms"] / law["mean_demand_vms"] - 1,
        "--",
        color="black",
        lw=1.2,
        label="square-root law",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{100 * v:.3g} %"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel("customers sharing the capacity")
    ax.set_ylabel("capacity needed above mean demand")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def make_pooling_figure(curve: PoolingCurve) -> Figure:
    """The figure of ``pooling.png``: utilisation achievable above, headroom below."""
    fig = Figure(figsize=(9, 9), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    plot_pooling(curve, ax=top)
    plot_pooling_headroom(curve, ax=bottom)
    top.set_xlabel("")
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 120) -> Path:
    """Save through a temporary file renamed into place."""
    from iaas_sim.util.files import atomic_write

    target = Path(path)
    return atomic_write(target, lambda p: fig.savefig(p, dpi=dpi, format=target.suffix[1:]))
