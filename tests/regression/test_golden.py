"""Each shipped scenario still gives its golden metrics (see golden.py to regenerate); a
failure lists every metric that differs, expected against actual."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iaas_sim as sim
from tests.regression import golden
from tests.regression.golden import GOLDEN, SCENARIOS, differences, golden_metrics


@pytest.mark.parametrize("name", [p.stem for p in SCENARIOS])
def test_metrics_match_golden(shipped_results: dict[str, sim.Result], name: str) -> None:
    golden = json.loads(GOLDEN.read_text())
    assert name in golden, "new scenario: run python -m tests.regression.golden --write"
    found = differences(golden_metrics(shipped_results[name]), golden[name], name)
    assert not found, f"{len(found)} metric(s) differ from golden.json:\n" + "\n".join(found)


def test_differences_name_every_metric_with_expected_and_actual() -> None:
    expected = {"npv": 100.0, "payback_month": "2020-01", "tiers": {"99.9": 1.0}, "gone": 1}
    actual = {"npv": 100.00001, "payback_month": "2020-02", "tiers": {"99.9": 0.5}, "new": 2}
    assert differences(actual, expected, "s") == [
        "s.gone: expected 1, got none",
        "s.new: expected none, got 2",
        "s.payback_month: expected '2020-01', got '2020-02'",
        "s.tiers.99.9: expected 1.0, got 0.5",
    ]
    assert differences({"npv": 100.0 * (1 + 1e-7)}, {"npv": 100.0}, "s") == []


def test_regenerating_needs_write_and_shows_the_diff_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    minimal = next(p for p in SCENARIOS if p.stem == "minimal")
    stale = {"minimal": {**golden_metrics(sim.simulate(sim.load_scenario(minimal))), "npv": 1.0}}
    file = tmp_path / "golden.json"
    file.write_text(json.dumps(stale))
    monkeypatch.setattr(golden, "GOLDEN", file)
    monkeypatch.setattr(golden, "SCENARIOS", [minimal])

    assert golden.main([]) == 1
    shown = capsys.readouterr().out
    assert shown.startswith("minimal.npv: expected 1.0, got ")
    assert "1 difference(s); golden.json unchanged (--write writes them)" in shown
    assert json.loads(file.read_text()) == stale

    assert golden.main(["--write"]) == 0
    assert f"wrote {file}" in capsys.readouterr().out
    assert golden.main([]) == 0
    assert capsys.readouterr().out == "golden.json is up to date\n"
