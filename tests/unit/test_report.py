"""The HTML report: what it holds, that it is self-contained, that scenario text stays
text, and the ``iaas-sim report`` command's refusals."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import matplotlib.image as mpimg
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.analysis.report import build_report, report
from iaas_sim.analysis.summary import format_money, yearly
from tests.cli import iaas_sim
from tests.conftest import ROOT

MINIMAL = ROOT / "scenarios/minimal.toml"


class Page(HTMLParser):
    """The tags, headings and table cells of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h2: list[str] = []
        self.cells: list[str] = []
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h2", "td"):
            self._in, self._text = tag, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            (self.h2 if tag == "h2" else self.cells).append(self._text.strip())
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data

    def images(self) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == "img"]


@pytest.fixture(scope="module")
def short() -> sim.Scenario:
    return sim.load_scenario(MINIMAL).override({"run.months": 30})


def _png(src: str | None) -> Any:
    assert src is not None
    assert src.startswith("data:image/png;base64,")
    return mpimg.imread(io.BytesIO(base64.b64decode(src.split(",", 1)[1])), format="png")


def test_one_run_report_holds_metrics_charts_years_and_inputs(short: sim.Scenario) -> None:
    result = sim.simulate(short, seed=3)
    text = build_report(short, result, source="minimal.toml")
    page = Page(text)
    assert page.h2 == ["Headline", "Charts", "Years", "Inputs", "Data"]
    images = page.images()
    assert len(images) == 4  # cash flow, utilisation, revenue by stream and by channel
    for img in images:
        pixels = _png(img["src"])
        assert (pixels.shape[1], pixels.shape[0]) == (int(img["width"]), int(img["height"]))
        assert pixels.std() > 0.05  # a chart, not a blank canvas
        assert img["alt"]
    # Self-contained: no script, no stylesheet link, no address outside the page.
    assert not any(t in ("script", "link", "iframe") for t, _ in page.tags)
    assert not re.search(r"(src|href)=\"(?!data:|#)", text)
    m = result.metrics
    assert format_money(m["peak_funding"]) in page.cells
    assert f"{m['mean_utilisation']:.1%}" in page.cells
    # The years table: its revenue adds up to the run's revenue.
    years = yearly(result)
    assert list(years.index) == [2024, 2025, 2026]
    assert years["revenue"].sum() == pytest.approx(m["total_revenue"])
    assert years["cumulative free cash flow"].iloc[-1] == pytest.approx(
        result.monthly["cumulative_free_cash_flow"].iloc[-1]
    )
    # Every input is shown under its key, the overridden one with its new value.
    i = page.cells.index("run.months")
    assert page.cells[i + 1] == "30"
    assert "pricing.vm_hour_price" in page.cells
    assert 'sla_mix."99.9"' in page.cells
    # The monthly table is attached, whole.
    link = next(a for t, a in page.tags if t == "a" and a.get("download") == "monthly.csv")
    csv = base64.b64decode(str(link["href"]).split(",", 1)[1]).decode()
    assert len(pd.read_csv(io.StringIO(csv))) == 30
    assert "iaas-sim report minimal.toml --seed 3" in text


def test_monte_carlo_report_adds_bands_and_goals(short: sim.Scenario, tmp_path: Path) -> None:
    changed = short.override(
        {"uncertain": {"pricing.vm_hour_price": {"dist": "uniform", "low": 0.04, "high": 0.06}}}
    )
    out = report(
        changed, tmp_path / "r.html", n_replications=5, seed=9, n_jobs=1, goals=["npv >= 0"]
    )
    text = out.read_text()
    page = Page(text)
    assert "Monte Carlo" in page.h2
    # The run's four charts, the pooling curve of its mix, and four fans.
    assert len(page.images()) == 4 + 1 + 4
    assert "the run's mean utilisation is" in text
    mc = sim.monte_carlo(changed, n_replications=5, seed=9, n_jobs=1, goals=["npv >= 0"])
    goal = mc.goals.iloc[0]
    assert "<code>npv &gt;= 0</code>" in text  # escaped once, shown as text
    assert f"{goal.probability:.1%}" in page.cells
    # The uncertain input is listed with its distribution and its spread.
    assert "uniform(low=0.04, high=0.06)" in page.cells
    row = page.cells.index("total_revenue") - 6  # the row above: name and 5 quantiles
    assert page.cells[row] == "pricing.vm_hour_price"
    drawn = mc.metrics["pricing.vm_hour_price"].quantile([0.05, 0.95])
    assert page.cells[row + 1] == f"{drawn[0.05]:.4g}"
    assert page.cells[row + 5] == f"{drawn[0.95]:.4g}"
    link = next(a for t, a in page.tags if t == "a" and a.get("download") == "replications.csv")
    csv = base64.b64decode(str(link["href"]).split(",", 1)[1]).decode()
    assert len(pd.read_csv(io.StringIO(csv))) == 5
    assert not list(tmp_path.glob(".*.tmp"))


def test_default_goals_are_npv_and_payback_within_the_run(short: sim.Scenario) -> None:
    from iaas_sim.analysis.report import default_goals

    assert default_goals(short) == ["npv >= 0", "payback_month <= 2026-06"]


def test_scenario_text_that_looks_like_html_stays_text(short: sim.Scenario) -> None:
    hostile = short.model_copy(
        update={
            "name": "<script>alert('name')</script>",
            "description": '<img src=x onerror="alert(1)"> & more',
        }
    )
    text = build_report(hostile, sim.simulate(short, seed=1))
    assert "<script" not in text
    assert 'onerror="alert' not in text
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; more" in text


def test_cli_writes_a_report_and_refuses_bad_requests(tmp_path: Path) -> None:
    short = ["--set", "run.months=12"]
    page = tmp_path / "r.html"
    ok = iaas_sim("report", str(MINIMAL), *short, "--no-pooling", "--out", str(page))
    assert ok.returncode == 0, ok.stderr
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert "run.months=12" in page.read_text()  # the command that makes it again
    again = iaas_sim("report", str(MINIMAL), *short, "--out", str(page))
    assert again.returncode == 0, again.stderr  # an earlier report may be replaced

    scenario = tmp_path / "mine.toml"
    scenario.write_text(MINIMAL.read_text())
    kept = iaas_sim("report", str(scenario), "--out", str(scenario))
    assert kept.returncode == 2
    assert "--out: exists and is not an iaas-sim report" in kept.stderr
    assert scenario.read_text() == MINIMAL.read_text()

    cases = {
        "--goal: goals need -n 2": ["--goal", "npv >= 0"],
        "--goal: goal 'nope >= 0': no metric named 'nope'": ["-n", "2", "--goal", "nope >= 0"],
        "--goal: cannot read goal": ["-n", "2", "--goal", "npv is big"],
        "run.months": ["--set", "run.months=-3"],
    }
    for message, args in cases.items():
        target = tmp_path / "bad.html"
        proc = iaas_sim("report", str(MINIMAL), *short, *args, "-j", "1", "--out", str(target))
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr
        assert "Traceback" not in proc.stderr
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml", "r.html"]
    forced = iaas_sim("report", str(scenario), *short, "--out", str(scenario), "--force")
    assert forced.returncode == 0
