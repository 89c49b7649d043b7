"""Charts of utilisation, revenue mix, Monte Carlo fans, sweep maps and tornadoes. Each
``plot_*`` draws on ``ax`` (a new figure when ``None``), returns the Axes and never calls
``plt.show()``; money axes read k / M / bn with the currency, dates are calendar dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import ticker

from iaas_sim.analysis.plots import (
    _date_axis,
    _dates,
    _new_axes,
    draw_thresholds,
    format_money,
    money_axis,
    thresholds_of,
)
from iaas_sim.engine.columns import (
    METRICS,
    PREFIXES,
    REVENUE_BY_CHANNEL,
    REVENUE_BY_PARTNER_TYPE,
    REVENUE_STREAM,
    members,
    monthly_columns,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from iaas_sim.engine.result import Result
    from iaas_sim.experiments.montecarlo import MonteCarloResult

UNITS = {c.name: c.unit for c in (*monthly_columns(), *METRICS)}
"""Each monthly column's and metric's unit, from the registry."""


def _is_money(name: str) -> bool:
    """Whether a monthly column or metric is an amount of money (its registry unit); a
    partner type's revenue and a year's revenue (``revenue_2014``, flattened from
    ``revenue_by_year``) are too."""
    if name.startswith(PREFIXES[REVENUE_BY_PARTNER_TYPE]) or re.fullmatch(r"revenue_\d{4}", name):
        return True
    unit = UNITS.get(name, "")
    return unit == "currency" or unit.startswith("currency by")


def plot_fan(
    mc: MonteCarloResult,
    column: str = "cumulative_free_cash_flow",
    *,
    ax: Axes | None = None,
    target: float | None = None,
    currency: str = "EUR",
) -> Axes:
    """Monte Carlo quantile bands of a monthly column: 5-95 % and 25-75 % shaded, the
    median as a line, and an optional target line."""
    ax = _new_axes(ax)
    bands = mc.bands[column]
    x = np.asarray(pd.PeriodIndex(bands.index).to_timestamp().to_numpy())
    color = "tab:blue"
    ax.fill_between(x, bands[0.05], bands[0.95], color=color, alpha=0.18, label="5-95 %")
    ax.fill_between(x, bands[0.25], bands[0.75], color=color, alpha=0.35, label="25-75 %")
    ax.plot(x, bands[0.5], color=color, lw=2, label="median")
    if target is not None:
        ax.axhline(target, color="tab:red", ls="--", lw=1.2, label=f"target {target:,.4g}")
    if _is_money(column):
        money_axis(ax, currency)
        ax.axhline(0, color="0.3", lw=0.8)
    if column.startswith("utilisation"):
        ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
    _date_axis(ax)
    ax.set_ylabel(column + (f" ({currency})" if _is_money(column) else ""))
    ax.set_title(f"{column}: {len(mc.metrics):,} replications")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_utilisation(result: Result, *, ax: Axes | None = None) -> Axes:
    """Mean and peak-hour utilisation against the scenario's low / target / high thresholds
    (55 / 75 / 85 % by default), with the capacity installed (steps when orders arrive) on
    the right axis."""
    ax = _new_axes(ax)
    m, x = result.monthly, _dates(result.monthly)
    low, target, high = thresholds_of(result.metadata)
    ax.axhspan(0.0, low, color="tab:red", alpha=0.07)
    ax.axhspan(target, high, color="tab:green", alpha=0.10)
    draw_thresholds(ax, fontsize=7, thresholds=(low, target, high))
    ax.plot(x, m["utilisation"], color="tab:blue", lw=2, label="utilisation (mean)")
    ax.plot(x, m["utilisation_peak"], color="tab:purple", lw=1, label="utilisation (peak hour)")
    ax.set_ylim(0.0, 1.05)
    ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
    ax.set_ylabel("share of capacity")
    right = ax.twinx()
    right.step(x, m["capacity_vms"], where="post", color="0.4", lw=1.2, label="capacity (VMs)")
    right.set_ylabel("capacity (VMs)")
    right.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    _date_axis(ax)
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    ax.set_title(
        f"Utilisation against the {low * 100:g} / {target * 100:g} / {high * 100:g} % thresholds"
    )
    ax.grid(alpha=0.3)
    return ax


def plot_revenue_mix(result: Result, by: str = "stream", *, ax: Axes | None = None) -> Axes:
    """Monthly revenue stacked by stream (usage, reserved, marketplace; SLA credits below
    zero) or by channel (web, direct sales, partners)."""
    ax = _new_axes(ax)
    m, x = result.monthly, _dates(result.monthly)
    family = {"stream": REVENUE_STREAM, "channel": REVENUE_BY_CHANNEL}.get(by)
    if family is None:
        raise ValueError(f"by must be 'stream' or 'channel', got {by!r}")
    prefix = PREFIXES[family]
    names = [c for c in members(monthly_columns(), family) if c in m]
    if by == "stream":
        names = [c for c in names if c != "revenue_sla_credits"]  # drawn below zero
    values = [m[c].clip(lower=0).to_numpy() for c in names]
    colors = [mpl.colormaps["tab10"](k % 10) for k in range(len(names))]
    ax.stackplot(
        x, values, labels=[c.removeprefix(prefix) for c in names], colors=colors, alpha=0.85
    )
    if by == "stream" and "revenue_sla_credits" in m:
        ax.fill_between(
            x, m["revenue_sla_credits"], 0, color="tab:red", alpha=0.6, label="SLA credits"
        )
    currency = result.metadata.get("currency", "EUR")
    money_axis(ax, currency)
    _date_axis(ax)
    ax.set_ylabel(f"revenue per month ({currency})")
    ax.set_title(f"Revenue by {by}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_sweep_heatmap(
    table: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    *,
    ax: Axes | None = None,
    threshold: float | None = None,
    currency: str = "EUR",
    agg: Literal["mean", "median"] = "mean",
    fmt: Callable[[float], str] | None = None,
    label: str | None = None,
) -> Axes:
    """Two swept parameters against a metric: its mean (or ``agg="median"``) over
    replications per point, or, with ``threshold``, the share of replications where it
    reaches the threshold (missing values fail). Cells are annotated with ``fmt`` (default:
    money, a share or 3 digits); a cell whose value is infinite (e.g. "never") or missing is
    left blank and annotated "never" or "-". ``label`` replaces the colour bar's label."""
    if agg not in ("mean", "median"):
        raise ValueError(f"agg must be 'mean' or 'median', got {agg!r}")
    ax = _new_axes(ax)
    values = pd.to_numeric(table[metric], errors="coerce")
    frame = table.assign(_v=values if threshold is None else (values >= threshold).astype(float))
    grid = frame.pivot_table(index=y, columns=x, values="_v", aggfunc=agg).sort_index()
    cells = grid.to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(cells), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [f"{v:.4g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:.4g}" for v in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    money = threshold is None and _is_money(metric) and fmt is None
    if label is None:
        label = (
            f"{agg} {metric} over replications" + (f" ({currency})" if money else "")
            if threshold is None
            else f"P({metric} >= {threshold:,.4g})"
        )
    if fmt is None:
        if threshold is not None:
            fmt = "{:.0%}".format
        elif money:
            fmt = partial(format_money, currency=currency)
        else:
            fmt = "{:.3g}".format
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(label)
    bar.ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: fmt(v)))
    finite = cells[np.isfinite(cells)]
    middle = float(np.mean(finite)) if finite.size else 0.0
    for (i, j), v in np.ndenumerate(cells):
        if np.isfinite(v):
            text, color = fmt(v), "white" if v < middle else "black"
        else:
            text, color = ("never" if v == np.inf else "-"), "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    ax.set_title(label)
    return ax


def plot_tornado(
    tornado: pd.DataFrame, metric: str, *, ax: Axes | None = None, currency: str = "EUR"
) -> Axes:
    """One-at-a-time swings of a metric, largest on top: each bar runs from the metric at
    the input's low end to its value at the high end, around the base."""
    ax = _new_axes(ax)
    rows = tornado[tornado["metric"] == metric]
    rows = rows.reindex(rows["swing"].abs().sort_values().index)
    at_low = rows["at_low"].to_numpy(dtype=float)
    at_high = rows["at_high"].to_numpy(dtype=float)
    lows, highs = rows["low"].to_numpy(dtype=float), rows["high"].to_numpy(dtype=float)
    base = float(rows["base"].to_numpy(dtype=float)[0]) if len(rows) else 0.0
    names = [str(n) for n in rows["param"]]
    k = np.arange(len(names))
    # The end farther from the base first, the nearer on top (both may lie on one side).
    low_first = np.abs(at_low - base) >= np.abs(at_high - base)
    for first in (True, False):
        for values, color, name, mask in (
            (at_low, "tab:red", "at the low end", low_first == first),
            (at_high, "tab:blue", "at the high end", low_first != first),
        ):
            ax.barh(
                k[mask],
                (values - base)[mask],
                left=base,
                color=color,
                label=name if first else None,
            )
    ax.axvline(base, color="0.2", lw=1)
    labels = [f"{n}\n[{lo:,.6g}, {hi:,.6g}]" for n, lo, hi in zip(names, lows, highs, strict=True)]
    ax.set_yticks(k, labels, fontsize=8)
    money = _is_money(metric)
    if money:
        money_axis(ax, currency, axis="x")
    ax.set_xlabel(metric + (f" ({currency})" if money else ""))
    shown = format_money(base, currency) if money else f"{base:.4g}"
    ax.set_title(f"Tornado: {metric} (base {shown})")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="lower right", fontsize=8)
    return ax
