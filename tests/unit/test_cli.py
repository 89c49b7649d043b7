"""The command line: exit codes, messages, files written (and not written). The commands
run in this process (``tests/cli.py``); the last tests run real processes: the console
script and ``python -m iaas_sim.cli`` as the README and CI call them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.cli import iaas_sim, iaas_sim_process
from tests.conftest import ROOT


def test_validate_prints_ok_for_each_good_file() -> None:
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.toml"))
    proc = iaas_sim("validate", *files)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{f}: OK" for f in files]


def test_validate_bad_file_lists_every_error_and_exits_2(tmp_path: Path) -> None:
    text = (ROOT / "scenarios/minimal.toml").read_text()
    text = text.replace("vm_hour_price = 0.05", "vm_hour_price = -0.05")
    text = text.replace("low = 0.55", "low = 0.80")
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    proc = iaas_sim("validate", str(bad))
    assert proc.returncode == 2
    assert f"{bad}: pricing.vm_hour_price: must be >= 1e-06 (got -0.05)" in proc.stderr
    assert f"{bad}: capacity.thresholds: thresholds must satisfy" in proc.stderr
    assert "Traceback" not in proc.stderr


def document_hash(out: Path) -> str:
    return str(json.loads((out / "metrics.json").read_text())["metadata"]["scenario_hash"])


def test_run_writes_the_four_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = iaas_sim("run", str(ROOT / "scenarios/minimal.toml"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    outputs = ["cashflow.png", "metrics.json", "monthly.csv", "monthly.parquet"]
    assert names == sorted([*outputs, "iaas-sim.json"])
    marker = json.loads((out / "iaas-sim.json").read_text())
    assert marker["command"] == "run"
    assert marker["files"] == outputs
    assert marker["seed"] == 42
    assert marker["scenario_hash"] == document_hash(out)
    assert marker["package_version"]
    assert (out / "cashflow.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    document = json.loads((out / "metrics.json").read_text())
    assert document["metadata"]["seed"] == 42
    assert "payback_month" in document["metrics"]
    csv = pd.read_csv(out / "monthly.csv", index_col="month")
    parquet = pd.read_parquet(out / "monthly.parquet")
    assert list(csv.columns) == list(parquet.columns)
    assert len(csv) == 84
    assert "peak funding" in proc.stdout


def test_out_folders_holding_other_files_need_force(tmp_path: Path) -> None:
    scenario = str(ROOT / "scenarios/minimal.toml")
    short = ["--set", "run.months=6", "--no-plot"]
    out = tmp_path / "out"
    assert iaas_sim("run", scenario, *short, "--out", str(out)).returncode == 0
    again = iaas_sim("run", scenario, *short, "--seed", "7", "--out", str(out))
    assert again.returncode == 0, again.stderr  # an earlier run's folder is written again
    assert json.loads((out / "metrics.json").read_text())["metadata"]["seed"] == 7

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes")
    refused = iaas_sim("run", scenario, *short, "--out", str(mine))
    assert refused.returncode == 2
    assert "--out: is not empty (it holds notes.txt)" in refused.stderr
    assert "--force" in refused.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    other = iaas_sim("mc", scenario, "--set", "run.months=6", "-n", "2", "--out", str(out))
    assert other.returncode == 2  # a run folder is not an mc folder
    assert "holds no earlier output of 'iaas-sim mc'" in other.stderr

    forced = iaas_sim("run", scenario, *short, "--out", str(mine), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (mine / "notes.txt").read_text() == "my notes"  # kept
    assert (mine / "monthly.csv").exists()


def test_run_seed_option_changes_the_run(tmp_path: Path) -> None:
    scenario = str(ROOT / "scenarios/minimal.toml")
    a, b = tmp_path / "a", tmp_path / "b"
    assert iaas_sim("run", scenario, "--seed", "1", "--out", str(a), "--no-plot").returncode == 0
    assert iaas_sim("run", scenario, "--seed", "2", "--out", str(b), "--no-plot").returncode == 0
    assert (a / "monthly.csv").read_bytes() != (b / "monthly.csv").read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "churn_per_month = 0.01",
            "churn_per_month = 1.4",
            "segments[0].churn_per_month: must be <= 1.0 (got 1.4)",
        ),
        ("vm_hour_price", "vm_hour_prize", "pricing.vm_hour_prize: unknown key"),
        ("[run]", "[run\n", "TOML syntax error"),
    ],
)
def test_bad_scenario_exits_2_with_no_output(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text((ROOT / "scenarios/minimal.toml").read_text().replace(old, new, 1))
    out = tmp_path / "out"
    proc = iaas_sim("run", str(bad), "--out", str(out))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    proc = iaas_sim("run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "nope.toml: no such file" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_schema_command_prints_json_schema() -> None:
    proc = iaas_sim("schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "Scenario"


def test_out_that_is_a_file_is_refused_before_running(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me")
    proc = iaas_sim("run", str(ROOT / "scenarios/minimal.toml"), "--out", str(target))
    assert proc.returncode == 2
    assert f"--out: exists and is not a folder (got '{target}')" in proc.stderr
    assert target.read_text() == "keep me"


def test_set_overrides_values_as_toml(tmp_path: Path) -> None:
    scenario = str(ROOT / "scenarios/minimal.toml")
    out = tmp_path / "out"
    proc = iaas_sim(
        "run",
        scenario,
        "--out",
        str(out),
        "--no-plot",
        "--set",
        "pricing.vm_hour_price=0.08",
        "--set",
        "run.months=12",
    )
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(out / "monthly.csv")) == 12
    assert json.loads((out / "metrics.json").read_text())["metadata"]["scenario_hash"]
    bad = iaas_sim(
        "run", scenario, "--out", str(tmp_path / "bad"), "--set", "pricing.vm_hour_price=0,08"
    )
    assert bad.returncode == 2
    assert "pricing.vm_hour_price: must be a number (got '0,08')" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_run_writes_a_case_scenarios_outputs(tmp_path: Path) -> None:
    out = tmp_path / "numergy"
    proc = iaas_sim("run", str(ROOT / "scenarios/numergy-2013.toml"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "cashflow.png",
        "iaas-sim.json",
        "metrics.json",
        "monthly.csv",
        "monthly.parquet",
    ]
    monthly = pd.read_csv(out / "monthly.csv")
    assert "partner_type_revenue_resellers" in monthly.columns


CONSOLE_SCRIPT = Path(sys.executable).with_name("iaas-sim")


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="the package is not installed")
def test_the_console_script_validates_the_shipped_scenarios_as_ci_does() -> None:
    files = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "scenarios").glob("*.toml"))]
    proc = subprocess.run(
        [str(CONSOLE_SCRIPT), "validate", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{f}: OK" for f in files]


def test_a_real_process_runs_refuses_and_prints_no_traceback(tmp_path: Path) -> None:
    """``python -m iaas_sim.cli`` (the README's quick start, shortened): the files written,
    the summary on standard output; a bad value refused with exit 2 and nothing written."""
    out = tmp_path / "run"
    minimal = str(ROOT / "scenarios/minimal.toml")
    proc = iaas_sim_process("run", minimal, "--set", "run.months=12", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "cashflow.png",
        "iaas-sim.json",
        "metrics.json",
        "monthly.csv",
        "monthly.parquet",
    ]
    assert "peak funding" in proc.stdout
    assert json.loads((out / "iaas-sim.json").read_text())["command_line"] == (
        f"iaas-sim run {minimal} --set run.months=12 --out {out}"
    )
    bad = iaas_sim_process(
        "run", minimal, "--set", "pricing.vm_hour_price=0,08", "--out", str(tmp_path / "bad")
    )
    assert bad.returncode == 2
    assert "pricing.vm_hour_price: must be a number (got '0,08')" in bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout
    assert not (tmp_path / "bad").exists()
    assert os.listdir(tmp_path) == ["run"]
