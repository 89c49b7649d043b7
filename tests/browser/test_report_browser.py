"""The report opened in a real browser: Debian's Chromium, headless, driven by Playwright.
It must render with no console error, load every image, ask for nothing outside the page
and fit the window's width.

Skipped where Chromium or Playwright is missing, except in CI (``CI`` set), where
``.ci/run`` installs both and a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.cli import iaas_sim
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
"""Without the background-networking flags Chromium stalls on the closed network."""


def _browser_or_skip() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return sync_playwright


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    page_file = tmp_path / "report.html"
    scenario = tmp_path / "uncertain.toml"
    scenario.write_text(
        (ROOT / "scenarios/minimal.toml").read_text()
        + '\n[uncertain]\n"pricing.vm_hour_price" = { dist = "triangular", low = 0.04, '
        "mode = 0.05, high = 0.06 }\n"
    )
    args = ["--set", "run.months=36", "-n", "4", "-j", "1", "--out", str(page_file)]
    proc = iaas_sim("report", str(scenario), *args)
    assert proc.returncode == 0, proc.stderr

    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url[:80]}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri(), wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => ({ok: i.complete, w: i.naturalWidth, "
                "h: i.naturalHeight, want: i.getAttribute('width'), alt: i.alt}))"
            )
            title = page.title()
            headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            context.close()

    assert problems == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert len(images) == 9  # 4 charts of the run, the pooling curve, 4 fans
    for img in images:
        assert img["ok"], img
        assert img["w"] > 300, img
        assert img["h"] > 200, img
        assert img["w"] == int(img["want"]), img  # drawn at the size the page says
        assert img["alt"]
    assert title == "Minimal web-only provider: iaas-sim report"
    assert headings == ["Headline", "Charts", "Years", "Monte Carlo", "Inputs", "Data"]
    assert width[0] <= width[1], "the page is wider than the window"
    assert (tmp_path / "report.png").stat().st_size > 100_000
