"""Sweeps: designs, the resumable Parquet dataset, and a sweep killed half-way then
re-run, which completes with every row exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.experiments.sweep import SIGNAL_AFTER, design_points
from tests.cli import iaas_sim
from tests.conftest import ROOT, tiny

SWEEP = [  # price x partner discount, 3 x 2 points x 20 replications: 12 batches of 10
    "sweep",
    str(ROOT / "scenarios/minimal.toml"),
    "--set",
    "run.months=6",
    "--set",
    'channels.partners.types=[{ name = "resellers", initial_partners = 5, '
    "customers_per_active_partner_per_month = 5 }]",
    "--set",
    "segments[0].channel_mix={ web = 0.5, partners = 0.5 }",
    "--param",
    "pricing.vm_hour_price=0.03:0.08:3",
    "--param",
    "channels.partners.types.resellers.discounts.registered.start=[0.0, 0.15]",
    "-n",
    "20",
    "--jobs",
    "2",
]


def test_lhs_and_sobol_spread_points_over_the_ranges() -> None:
    for method in ("lhs", "sobol"):
        points = design_points({"a": (0.0, 1.0), "b": (10.0, 20.0)}, method, 64, seed=1)
        a = np.array([p["a"] for p in points])
        b = np.array([p["b"] for p in points])
        assert len(points) == 64
        assert a.min() >= 0.0
        assert a.max() <= 1.0
        assert b.min() >= 10.0
        assert b.max() <= 20.0
        # Space-filling: every eighth of each range holds points (8 of 8 for a hypercube).
        assert len(np.unique(np.floor(a * 8))) == 8
        assert len(np.unique(np.floor((b - 10) / 10 * 8))) == 8
    with pytest.raises(ValueError, match="low < high"):
        design_points({"a": (1.0, 0.0)}, "lhs", 4, seed=1)
    with pytest.raises(ValueError, match="number of points"):
        design_points({"a": (0.0, 1.0)}, "sobol", None, seed=1)


def test_an_lhs_sweep_rounds_whole_number_keys() -> None:
    table = sim.sweep(
        tiny(),
        {"capacity.initial_servers": (50, 150), "pricing.vm_hour_price": (0.02, 0.05)},
        method="lhs",
        n_points=5,
        n_jobs=1,
    )
    assert len(table) == 5
    assert all(float(v).is_integer() for v in table["capacity.initial_servers"])


def test_a_swept_uncertain_input_is_pinned_at_each_point() -> None:
    sc = tiny(uncertain={"pricing.vm_hour_price": {"dist": "uniform", "low": 0.01, "high": 0.09}})
    table = sim.sweep(sc, {"pricing.vm_hour_price": [0.02, 0.04]}, n_replications=2, n_jobs=1)
    assert list(table["pricing.vm_hour_price"]) == [0.02, 0.02, 0.04, 0.04]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted(out: Path, batches: int, signal_name: str) -> subprocess.CompletedProcess[str]:
    """The sweep in a real process of its own session (the command and its workers), sent
    ``signal_name`` (as Ctrl-C or a kill would) once it has written ``batches`` batches:
    a deterministic moment, through the hook ``SIGNAL_AFTER`` of experiments/sweep.py."""
    return subprocess.run(
        [sys.executable, "-m", "iaas_sim.cli", *SWEEP, "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, SIGNAL_AFTER: f"{batches}:{signal_name}"},
        start_new_session=True,
        # Ctrl-C as a terminal delivers it: a child inherits an ignored SIGINT (after some
        # tests, this process's), and Python then leaves it ignored.
        preexec_fn=_default_sigint,
        timeout=600,
        check=False,
    )


def _parts(out: Path) -> list[Path]:
    return sorted((out / "data").glob("part-*.parquet"))


def test_a_sweep_killed_half_way_resumes_with_no_row_missing_or_twice(tmp_path: Path) -> None:
    """3 prices x 2 partner discounts x 20 replications: killed (SIGKILL, workers too)
    after 5 of its 12 batches are written (a point half done), then run again: 120 rows,
    each (point, replication) once, the same table as a sweep never interrupted."""
    out = tmp_path / "sweep"
    killed = _interrupted(out, 5, "SIGKILL")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(_parts(out)) == 5, "the sweep was not interrupted half-way"
    assert not (out / "sweep.csv").exists()

    again = iaas_sim(*SWEEP, "--out", str(out))
    assert again.returncode == 0, again.stderr
    resumed = pd.read_parquet(out / "data").sort_values(["point", "replication"])
    assert len(resumed) == 120
    assert not resumed.duplicated(["point", "replication"]).any()

    whole = iaas_sim(*SWEEP, "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    reference = pd.read_parquet(tmp_path / "whole/data").sort_values(["point", "replication"])
    pd.testing.assert_frame_equal(resumed.reset_index(drop=True), reference.reset_index(drop=True))
    csv = pd.read_csv(out / "sweep.csv")
    assert len(csv) == 120


def test_another_sweep_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "s"
    base = ["sweep", str(ROOT / "scenarios/minimal.toml"), "--set", "run.months=6", "--jobs", "1"]
    first = iaas_sim(*base, "--param", "pricing.vm_hour_price=0.03:0.05:2", "--out", str(out))
    assert first.returncode == 0, first.stderr
    other = iaas_sim(*base, "--param", "pricing.vm_hour_price=0.03:0.06:2", "--out", str(out))
    assert other.returncode == 2
    assert "--out: " in other.stderr
    assert "holds another sweep" in other.stderr


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("pricing.vm_hour_price=0.08:0.03:6", "LOW must be below HIGH"),
        ("pricing.vm_hour_price=0.03:0.03:6", "LOW must be below HIGH"),
        ("pricing.vm_hour_price=0.03:0.08:0", "COUNT >= 1"),
        ("pricing.vm_hour_price=cheap", "write LOW:HIGH:COUNT"),
        ("pricing.vm_hour_price", "must be written PATH=SPEC"),
        ("pricing.vm_hour_prise=0.03:0.08:2", "did you mean 'vm_hour_price'"),
        ("pricing.vm_hour_price=[0.03, -1]", "must be >= 1e-06"),
    ],
)
def test_bad_sweep_parameters_exit_2(tmp_path: Path, param: str, message: str) -> None:
    out = tmp_path / "never"
    proc = iaas_sim(
        "sweep", str(ROOT / "scenarios/minimal.toml"), "--param", param, "--out", str(out)
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_sensitivity_command_writes_the_tornado(tmp_path: Path) -> None:
    out = tmp_path / "sens"
    proc = iaas_sim(
        "sensitivity",
        str(ROOT / "scenarios/minimal.toml"),
        "--set",
        "run.months=12",
        "--param",
        "pricing.vm_hour_price=0.03:0.08",
        "--param",
        "costs.marketing_per_month=0:20000",
        "--metric",
        "total_revenue",
        "--jobs",
        "1",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table["param"]) == ["pricing.vm_hour_price", "costs.marketing_per_month"]
    assert table["swing"].iloc[1] == 0.0


def test_solve_command_prints_the_value(tmp_path: Path) -> None:
    proc = iaas_sim(
        "solve",
        str(ROOT / "scenarios/minimal.toml"),
        "--set",
        "run.months=24",
        "--vary",
        "pricing.vm_hour_price",
        "--target",
        "total_revenue >= 150000",
        "--between",
        "0.02:0.5",
        "-n",
        "2",
        "--jobs",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pricing.vm_hour_price = ")
    assert "values at or above it meet 'total_revenue >= 150000'" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "npv >= 0", "--between", "0.5:0.02"], "LOW must be below HIGH"),
        (["--target", "npv => 0", "--between", "0.02:0.5"], "--target: cannot read goal"),
        (["--target", "npv >= 1e15", "--between", "0.02:0.05"], "not crossed between"),
        (["--target", "npv >= 0", "--between", "-1:0.05"], "must be >= 1e-06"),
    ],
)
def test_bad_solve_input_exits_2(args: list[str], message: str) -> None:
    proc = iaas_sim(
        "solve",
        str(ROOT / "scenarios/minimal.toml"),
        "--set",
        "run.months=6",
        "--vary",
        "pricing.vm_hour_price",
        "-n",
        "1",
        "--jobs",
        "1",
        *args,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ctrl_c_keeps_finished_batches_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    stopped = _interrupted(out, 3, "SIGINT")  # Ctrl-C reaches the whole foreground group
    assert stopped.returncode == 130
    assert "Traceback" not in stopped.stderr
    assert "interrupted: 3 finished batch(es) kept in" in stopped.stderr
    assert "run the same command again to resume" in stopped.stderr
    assert not (out / "sweep.csv").exists()
    assert len(_parts(out)) == 3
    for part in _parts(out):
        assert len(pd.read_parquet(part)) > 0  # every file left is complete


def test_read_sweep_keeps_columns_that_only_some_points_have(tmp_path: Path) -> None:
    from iaas_sim.experiments.dataset import read_sweep

    table = sim.sweep(tiny(), {"run.months": [6, 18]}, n_jobs=1, out=tmp_path / "s")
    rows = read_sweep(tmp_path / "s")
    assert "revenue_2025" in rows.columns
    assert np.isnan(rows.loc[rows["run.months"] == 6, "revenue_2025"]).all()
    assert len(rows) == len(table) == 2
