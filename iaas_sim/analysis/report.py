"""The HTML report: one self-contained page (it opens offline; images and data are
embedded) with a scenario's key inputs, its metrics, its charts and, over several
replications, the Monte Carlo bands and goal probabilities.

Everything the scenario holds is written as escaped text: a name or a description that
looks like HTML or script stays text."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from iaas_sim.analysis import charts, inputs
from iaas_sim.analysis.plots import make_cashflow_figure, plot_pooling, thresholds_of
from iaas_sim.analysis.summary import (
    QUANTILES,
    format_money,
    mc_rows,
    metric_rows,
    yearly,
)
from iaas_sim.engine.guard import DEFAULT_LIMITS, Limits, check_resources
from iaas_sim.experiments.executor import resolve_jobs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from iaas_sim.engine.result import Result
    from iaas_sim.experiments.executor import Progress
    from iaas_sim.experiments.goals import Goal
    from iaas_sim.experiments.montecarlo import MonteCarloResult
    from iaas_sim.experiments.pooling_curve import PoolingCurve
    from iaas_sim.scenario import Scenario

GENERATOR = "iaas-sim report"
"""The page's ``<meta name="generator">``: how ``iaas-sim report`` knows a file it may
overwrite."""

FANS = (
    ("cumulative_free_cash_flow", 0.0),
    ("revenue", None),
    ("utilisation", None),
    ("customers", None),
)
"""Monthly columns drawn as fan charts over replications, with their target line."""

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2327;
max-width:1100px;margin:0 auto;padding:1.5em 2em 4em;background:#fff}
h1{margin-bottom:.1em}h2{border-bottom:2px solid #dfe3e6;padding-bottom:.2em;margin-top:2em}
.meta,.note{color:#5b6770;font-size:.9em}.desc{white-space:pre-line}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{border:1px solid #dfe3e6;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.35em}.card span{color:#5b6770;font-size:.85em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border-bottom:1px solid #e8ebed;padding:.25em .7em;text-align:right;vertical-align:top;
white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:#f4f6f7;white-space:normal}
.text{text-align:left!important;white-space:normal;max-width:40em}code{font-size:.95em}
.grid{display:flex;flex-wrap:wrap;column-gap:2.5em}
img{max-width:100%;height:auto;display:block;margin:.5em 0 1.5em}
details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
@media print{details{display:block}h2{break-before:auto}img{break-inside:avoid}}
"""


def report(
    scenario: Scenario | str | Path | dict[str, Any],
    out: str | Path,
    *,
    n_replications: int = 1,
    seed: int | None = None,
    goals: Sequence[str | Goal] = (),
    n_jobs: int | None = None,
    progress: Progress | None = None,
    scheduler: Any = None,
    source: str | None = None,
    command: str | None = None,
    pooling: bool = True,
    limits: Limits | None = DEFAULT_LIMITS,
) -> Path:
    """Simulate ``scenario`` (and, when ``n_replications > 1``, run a Monte Carlo with
    ``goals``; default goals: NPV >= 0 and payback within the run), then write the HTML
    report to ``out`` through a temporary file renamed into place. ``source``: the file
    name shown on the page; ``command``: the command line that makes the page again;
    ``pooling``: add the pooling curve of the scenario's customer mix (a few seconds).
    ``limits``: the resource guard's, checked once for the run, the Monte Carlo and the
    curve before anything runs (None: no check)."""
    from iaas_sim.engine import simulate
    from iaas_sim.experiments.montecarlo import monte_carlo
    from iaas_sim.scenario import load_scenario
    from iaas_sim.util.files import atomic_write

    sc = load_scenario(scenario)
    if n_replications < 1:
        raise ValueError(f"n_replications must be at least 1, got {n_replications}")
    if goals and n_replications < 2:
        raise ValueError("goals need at least 2 replications")
    root = sc.run.seed if seed is None else seed
    if limits is not None:
        check_resources(sc, limits, replications=n_replications, workers=resolve_jobs(n_jobs))
    mc = None
    if n_replications > 1:
        mc = monte_carlo(
            sc,
            n_replications=n_replications,
            seed=root,
            n_jobs=n_jobs,
            goals=list(goals) or default_goals(sc),
            progress=progress,
            scheduler=scheduler,
            limits=None,  # checked above
        )
    result = simulate(sc, seed=root)
    curve = None
    if pooling:
        from iaas_sim.experiments.pooling_curve import pooling_curve

        curve = pooling_curve(sc, limits=limits)
    page = build_report(sc, result, mc, source=source, command=command, curve=curve)
    path = Path(out)
    return atomic_write(path, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))


def default_goals(scenario: Scenario) -> list[str]:
    """NPV >= 0, and payback within the run."""
    last = pd.Period(scenario.run.start, freq="M") + (scenario.run.months - 1)
    return ["npv >= 0", f"payback_month <= {last}"]


def build_report(
    scenario: Scenario,
    result: Result,
    mc: MonteCarloResult | None = None,
    source: str | None = None,
    generated: datetime | None = None,
    command: str | None = None,
    curve: PoolingCurve | None = None,
) -> str:
    """The page, as a string; ``curve``: the scenario's pooling curve, drawn if given."""
    meta = result.metadata
    currency = meta.get("currency", "EUR")
    version = escape(str(meta.get("package_version", "")))
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    facts = [
        f"scenario file <code>{escape(source)}</code>" if source else "scenario given as data",
        f"scenario hash <code>{escape(str(meta.get('scenario_hash', ''))[:16])}</code>",
        f"seed {int(meta['seed'])}",
        f"{len(mc.metrics):,} replications" if mc is not None else "one replication",
        f"iaas-sim {version}",
        f"generated {when}",
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta name="generator" content="{GENERATOR} {version}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(scenario.name)}: iaas-sim report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(scenario.name)}</h1>",
        f'<p class="desc">{escape(scenario.description)}</p>' if scenario.description else "",
        f'<p class="meta">{" · ".join(facts)}</p>',
        _headline(result, mc, currency),
        *_charts_section(result, curve),
        *_years_section(result, currency),
        *(_mc_section(mc) if mc is not None else []),
        *_inputs_section(scenario),
        *_data_section(result, mc),
        _footer(command or _command(source, meta, mc)),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _headline(result: Result, mc: MonteCarloResult | None, currency: str) -> str:
    m = result.metrics
    cards = [
        ("peak funding", format_money(m["peak_funding"], currency)),
        ("payback", m["payback_month"] or "never"),
        ("break-even", m["breakeven_month"] or "never"),
        ("NPV", format_money(m["npv"], currency)),
        ("IRR", "undefined" if m["irr"] is None else f"{m['irr']:.1%}"),
        ("mean utilisation", f"{m['mean_utilisation']:.1%}"),
    ]
    html = "".join(f"<div class=card><b>{escape(v)}</b><span>{k}</span></div>" for k, v in cards)
    scope = f"seed {int(result.metadata['seed'])}"
    note = f"One replication ({scope})"
    if mc is not None:
        note += "; the spread over all replications is in <a href='#montecarlo'>Monte Carlo</a>"
    return f"<h2>Headline</h2><p class=note>{note}.</p><div class=cards>{html}</div>" + _table(
        ["metric", "value"], [[k, v] for k, v in metric_rows(m, currency, by_year=False)]
    )


def _charts_section(result: Result, curve: PoolingCurve | None) -> list[str]:
    pictures: list[tuple[str, Axes | Figure, str]] = [
        (
            "Cash flow",
            make_cashflow_figure(result),
            "The J-curve: cumulative free cash flow, with break-even, payback and peak "
            "funding marked; below, monthly revenue against opex (the scissors).",
        ),
        (
            "Utilisation",
            charts.plot_utilisation(result),
            "Mean and peak-hour utilisation against the scenario's thresholds ({}); the grey "
            "steps are the capacity installed as server orders arrive.".format(
                " / ".join(f"{t * 100:g}" for t in thresholds_of(result.metadata)) + " %"
            ),
        ),
        ("Revenue by stream", charts.plot_revenue_mix(result, by="stream"), ""),
        ("Revenue by channel", charts.plot_revenue_mix(result, by="channel"), ""),
    ]
    if curve is not None:
        run = result.metrics["mean_utilisation"]
        pictures.append(
            (
                "Pooling",
                plot_pooling(curve),
                "Mean utilisation achievable against the number of customers sharing the "
                "capacity, for this scenario's customer mix (its segments' usage profiles, "
                "weighted by their potential customers) at the capacity that serves "
                f"{curve.spec.service_level:.1%} of hours; the run's mean utilisation is "
                f"{run:.1%}.",
            )
        )
    out = ["<h2>Charts</h2>"]
    for title, drawn, caption in pictures:
        out.append(f"<h3>{title}</h3>")
        if caption:
            out.append(f"<p class=note>{caption}</p>")
        out.append(_img(drawn, title))
    return out


def _years_section(result: Result, currency: str) -> list[str]:
    table = yearly(result)
    rows = []
    for year, row in table.iterrows():
        cells = [str(year)]
        for name, value in row.items():
            if pd.isna(value):
                cells.append("—")
            elif name == "utilisation (mean)":
                cells.append(f"{value:.1%}")
            elif name in ("customers", "VMs (mean)", "capacity (VMs)"):
                cells.append(f"{value:,.0f}")
            else:
                cells.append(format_money(float(value), currency))
        rows.append(cells)
    head = ["year", *(str(c) for c in table.columns)]
    return [
        "<h2>Years</h2>",
        f"<p class=note>Flows summed over each calendar year, stocks at its end "
        f"(money in {escape(currency)}).</p>",
        _table(head, rows),
    ]


def _mc_section(mc: MonteCarloResult) -> list[str]:
    quantiles = QUANTILES
    head = ["", *(f"{q:.0%}" if q != 0.5 else "median" for q in quantiles)]
    out = [
        '<h2 id="montecarlo">Monte Carlo</h2>',
        f"<p class=note>{len(mc.metrics):,} replications from root seed {mc.seed}: uncertain "
        "inputs drawn in each, then the metrics' quantiles.</p>",
        _table(head, [[name, *cells] for name, cells in mc_rows(mc, quantiles)]),
    ]
    if len(mc.goals):
        out.append("<h3>Goals</h3>")
        rows = [
            [
                f"<code>{escape(str(g.goal))}</code>",
                f"{g.probability:.1%}",
                f"± {g.standard_error:.1%}",
                f"{g.replications:,}",
            ]
            for g in mc.goals.itertuples()
        ]
        out.append(
            _table(["goal", "probability", "standard error", "replications"], rows, raw=True)
        )
    currency = mc.metadata.get("currency", "EUR")
    for column, target in FANS:
        if column in mc.bands.columns.get_level_values(0):
            ax = charts.plot_fan(mc, column, target=target, currency=currency)
            out.append(f"<h3>{escape(column.replace('_', ' '))}</h3>")
            out.append(_img(ax, f"fan chart of {column}"))
    return out


def _inputs_section(scenario: Scenario) -> list[str]:
    out = [
        "<h2>Inputs</h2>",
        "<p class=note>Every input under the key a scenario file or <code>--set</code> uses; "
        "values not written in the file show their defaults.</p>",
    ]
    names, rows = inputs.segment_table(scenario)
    out.append("<h3>Segments</h3>")
    out.append(_table(["", *names], [[k, *v] for k, v in rows]))
    sections = inputs.scenario_inputs(scenario)
    out.append("<div class=grid>")
    for name in inputs.KEY_SECTIONS:
        out.append(f"<div><h3>{escape(name)}</h3>")
        out.append(_table(["key", "value"], [list(r) for r in sections[name]], text=True))
        out.append("</div>")
    out.append("</div>")
    events = inputs.event_rows(scenario)
    if events:
        out.append("<h3>Events</h3>")
        out.append(_table(["date", "event", "sets"], [list(e) for e in events], text=True))
    uncertain = inputs.uncertain_rows(scenario)
    if uncertain:
        out.append("<h3>Uncertain inputs</h3>")
        out.append(_table(["key", "distribution"], [list(u) for u in uncertain], text=True))
    for name, rows_ in sections.items():
        if name not in inputs.KEY_SECTIONS:
            out.append(f"<details><summary>{escape(name)}</summary>")
            out.append(_table(["key", "value"], [list(r) for r in rows_], text=True))
            out.append("</details>")
    return out


def _data_section(result: Result, mc: MonteCarloResult | None) -> list[str]:
    links = [_download(result.monthly.to_csv(), "monthly.csv", "the monthly table")]
    if mc is not None:
        links.append(
            _download(mc.metrics.to_csv(index=False), "replications.csv", "every replication")
        )
    return ["<h2>Data</h2>", "<p>" + " · ".join(links) + "</p>"]


def _command(source: str | None, meta: dict[str, Any], mc: MonteCarloResult | None) -> str:
    n = f" -n {len(mc.metrics)}" if mc is not None else ""
    file = source or "SCENARIO.toml"
    return f"iaas-sim report {file}{n} --seed {int(meta['seed'])}"


def _footer(command: str) -> str:
    return f"<p class=meta>To make this page again: <code>{escape(command)}</code></p>"


def _download(text: str, name: str, what: str) -> str:
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f'<a download="{name}" href="data:text/csv;base64,{data}">{name}</a> ({what})'


def _img(drawn: Axes | Figure, alt: str) -> str:
    """A chart as an embedded PNG (the figure is closed afterwards)."""
    fig = drawn if isinstance(drawn, Figure) else drawn.get_figure(root=True)
    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    width, height = (int(v * 100) for v in fig.get_size_inches())
    return (
        f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}" '
        f'width="{width}" height="{height}">'
    )


def _table(
    head: Sequence[str], rows: Iterable[Sequence[str]], text: bool = False, raw: bool = False
) -> str:
    """A table; cells are escaped unless ``raw``; ``text`` aligns value columns left."""
    cell = (lambda v: v) if raw else escape
    klass = " class=text" if text else ""
    heads = [f"<th>{escape(head[0])}</th>"] + [f"<th{klass}>{escape(h)}</th>" for h in head[1:]]
    lines = ["<table><thead><tr>" + "".join(heads)]
    lines.append("</tr></thead><tbody>")
    for row in rows:
        tds = [f"<td>{cell(str(row[0]))}</td>"]
        tds += [f"<td{klass}>{cell(str(v))}</td>" for v in row[1:]]
        lines.append("<tr>" + "".join(tds) + "</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)
