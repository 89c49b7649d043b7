"""Goals (parsed, evaluated by hand-made tables) and ``iaas-sim mc``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iaas_sim.experiments.goals import evaluate_goal, parse_goal, summarise_goals
from tests.cli import iaas_sim, iaas_sim_process
from tests.conftest import ROOT

MONTHS = pd.period_range("2020-01", periods=4, freq="M")
METRICS = pd.DataFrame(
    {"npv": [1.0, -2.0, 3.0, np.nan], "payback_month": ["2020-02", None, "2020-04", "2020-03"]}
)
SERIES = [
    {"cash": np.array([-1.0, 0.5, -0.5, -0.2])},
    {"cash": np.array([-1.0, -1.0, -1.0, 2.0])},
    {"cash": np.array([1.0, 1.0, 1.0, 1.0])},
    {"cash": np.array([-3.0, -2.0, -1.0, -0.5])},
]


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("npv >= 0", [True, False, True, False]),  # missing fails
        ("npv < 0", [False, True, False, False]),
        ("payback_month <= 2020-03", [True, False, False, True]),
        ("cash >= 0 at 2020-03", [False, False, True, False]),
        ("cash >= 0 by 2020-03", [True, False, True, False]),
        ("cash >= 0 by 2020-04", [True, True, True, False]),
        ("cash > -0.6 at 2020-04", [True, True, True, True]),
    ],
)
def test_goals_are_evaluated_per_replication(text: str, hits: list[bool]) -> None:
    goal = parse_goal(text)
    np.testing.assert_array_equal(evaluate_goal(goal, METRICS, SERIES, MONTHS), hits)


def test_goal_probabilities_carry_their_standard_error() -> None:
    table = summarise_goals([parse_goal("npv >= 0")], METRICS, SERIES, MONTHS)
    row = table.iloc[0]
    assert row["probability"] == 0.5
    assert row["standard_error"] == pytest.approx(np.sqrt(0.25 / 4))


@pytest.mark.parametrize("text", ["npv => 0", "npv >= ", ">= 3", "cash >= 2020-01 at 2020-02"])
def test_unreadable_goals_say_how_to_write_them(text: str) -> None:
    with pytest.raises(ValueError, match="goal"):
        parse_goal(text)


def test_a_month_outside_the_run_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the run"):
        evaluate_goal(parse_goal("cash >= 0 at 2021-01"), METRICS, SERIES, MONTHS)


def test_mc_writes_its_tables_and_prints_plain_progress(tmp_path: Path) -> None:
    """A real process, its standard error a pipe (no terminal), two worker processes."""
    out = tmp_path / "mc"
    proc = iaas_sim_process(
        "mc",
        str(ROOT / "scenarios/minimal.toml"),
        "-n",
        "12",
        "--jobs",
        "2",
        "--set",
        "run.months=24",
        "--goal",
        "npv >= -1e6",
        "--goal",
        "cumulative_free_cash_flow >= 0 by 2025-12",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps["replication"]) == list(range(12))
    assert pd.read_parquet(out / "replications.parquet").shape == reps.shape
    bands = pd.read_csv(out / "bands.csv")
    assert set(bands["quantile"]) == {0.05, 0.25, 0.5, 0.75, 0.95}
    goals = pd.read_csv(out / "goals.csv")
    assert list(goals["goal"]) == ["npv >= -1e6", "cumulative_free_cash_flow >= 0 by 2025-12"]
    assert json.loads((out / "metadata.json").read_text())["replications"] == 12
    # No terminal: plain progress lines, ending at 12/12.
    lines = [s for s in proc.stderr.splitlines() if "replications:" in s]
    assert lines[0].endswith("0/12 (0%)")
    assert "12/12 (100%)" in lines[-1]
    assert "P(npv >= -1e6) = " in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--goal", "npvv >= 0"], "--goal: goal 'npvv >= 0': no metric named 'npvv'; did you mean"),
        (["--goal", "npv => 0"], "--goal: cannot read goal"),
        (["--set", "pricing.vm_hour_price=-1"], "pricing.vm_hour_price: must be >= 1e-06"),
        (["--goal", "cumulative_cash >= 0 at 2099-01"], "--goal: goal 'cumulative_cash >= 0 at"),
        (["--goal", "npv >= 2024-13"], "2024-13 is not a month"),
        (["--goal", "payback_month >= 5"], "payback_month is compared with a month YYYY-MM"),
        (["--scheduler", "local:0"], "--scheduler: local:N needs N >= 1 workers"),
    ],
)
def test_bad_mc_input_exits_2_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "never"
    proc = iaas_sim("mc", str(ROOT / "scenarios/minimal.toml"), "-n", "3", *args, "--out", str(out))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
