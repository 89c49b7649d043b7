"""The guarantees of "Errors and guarantees", at the level of the functions that give them:
literal text, named replication failures, the finite check, bounded paths and shapes, and
output folders written as a whole without losing a user's files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

import iaas_sim as sim
from iaas_sim.analysis.plots import chart_text
from iaas_sim.cli.app import app
from iaas_sim.cli.common import literal
from iaas_sim.engine.simulate import check_finite
from iaas_sim.experiments.executor import Task, run_task
from iaas_sim.experiments.montecarlo import replication_seeds
from iaas_sim.scenario.load import MAX_DEPTH, check_structure
from iaas_sim.scenario.overrides import MAX_PATH_PARTS, PathError, parse_path
from iaas_sim.scenario.text import printable
from tests.conftest import ROOT, tiny

MINIMAL = ROOT / "scenarios" / "minimal.toml"
SHORT = ["--set", "run.months=12"]


def test_scenario_text_is_shown_as_written() -> None:
    assert printable("Cloudwatt [2014]") == "Cloudwatt [2014]"
    assert printable("a\x1b[31mred") == "a\\x1b[31mred"
    assert printable("rtl\u202eevil") == "rtl\\u202eevil"
    assert printable("two\nlines") == "two\nlines"
    assert literal("[/bold] [red]x") == "\\[/bold] \\[red]x"  # rich shows the brackets
    assert chart_text("costs $5 and $6") == r"costs \$5 and \$6"


def test_a_failed_replication_names_itself_its_seed_and_its_inputs() -> None:
    price = {"dist": "uniform", "low": 0.04, "high": 0.06}
    sc = tiny(**{"uncertain": {"pricing.vm_hour_price": price}})
    seeds = replication_seeds(3, 2)
    refused = {"pricing.vm_hour_price": -0.07}  # inputs no draw would give: refused
    task = Task(sc, seeds, (), [{"replication": 0}, {"replication": 1}], [refused, refused])
    with pytest.raises(sim.ScenarioError) as caught:
        run_task(task)
    text = str(caught.value)
    assert text.startswith("replication 0: failed with seed SeedSequence(entropy=3")
    assert "spawn_key=(0,)" in text
    assert "are refused together" in text
    task = Task(sc, seeds[:1], (), [{"point": 4, "replication": 0}], [refused])
    with pytest.raises(sim.ScenarioError, match=r"point 4, replication 0: .* and inputs "):
        run_task(task)


def test_a_table_that_is_not_finite_is_refused_naming_column_and_month() -> None:
    sc = tiny()
    res = sim.simulate(sc, seed=1)
    check_finite(sc, res.monthly, res.metrics)
    bad = res.monthly.copy()
    bad.loc[bad.index[2], "opex_power"] = np.inf
    with pytest.raises(sim.ScenarioError, match=r"opex_power is inf in 2024-03\); nothing is"):
        check_finite(sc, bad, res.metrics)
    undefined = res.monthly.copy()
    undefined["pooling_gain"] = np.nan  # a ratio with nothing to divide by may be NaN
    check_finite(sc, undefined, res.metrics)
    with pytest.raises(sim.ScenarioError, match="the metric npv is nan"):
        check_finite(sc, res.monthly, {**res.metrics, "npv": float("nan")})


@pytest.mark.parametrize(
    "path",
    ["", "a..b", '"', 'pricing."vm_hour_price', "segments[-1].churn_per_month", "x.", ".x"],
)
def test_paths_that_cannot_be_read_are_refused_alike(path: str) -> None:
    with pytest.raises(PathError, match="cannot read this path"):
        parse_path(path)
    with pytest.raises(sim.ScenarioError) as caught:
        tiny().override({path: 1.0})
    assert "cannot read this path" in str(caught.value)


def test_paths_are_bounded_and_read_in_linear_time() -> None:
    assert parse_path('segments.smb.sla_mix."99.9"') == ["segments", "smb", "sla_mix", "99.9"]
    assert parse_path('uncertain."pricing.vm_hour_price"') == [
        "uncertain",
        "pricing.vm_hour_price",
    ]
    with pytest.raises(PathError):
        parse_path(".".join(["a"] * (MAX_PATH_PARTS + 1)))
    with pytest.raises(PathError):
        parse_path(".".join(["a"] * 30_000))  # refused at once (it used to take minutes)


def test_data_nested_too_deep_is_refused_with_its_path() -> None:
    value: object = 1
    for _ in range(MAX_DEPTH + 5):
        value = {"a": value}
    with pytest.raises(sim.ScenarioError, match=r"^junk\.a\.a.*nested more than 20 deep"):
        check_structure({"junk": value})
    with pytest.raises(sim.ScenarioError, match="nested more than 20 deep"):
        tiny().override({"description": value})


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, ["run", str(MINIMAL), *SHORT, "--no-plot", *args])


def test_force_keeps_the_users_files_and_rerunning_replaces_only_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "mine.txt").write_text("keep me")
    (out / "plan.xlsx").write_bytes(b"\x00\x01")
    refused = _run("--out", str(out))
    assert refused.exit_code == 2
    assert _run("--out", str(out), "--force").exit_code == 0
    assert (out / "notes" / "mine.txt").read_text() == "keep me"
    assert (out / "plan.xlsx").read_bytes() == b"\x00\x01"
    marker = json.loads((out / "iaas-sim.json").read_text())
    assert marker["files"] == ["metrics.json", "monthly.csv", "monthly.parquet"]
    chart = CliRunner().invoke(app, ["plot", str(out), "--kind", "utilisation"])
    assert chart.exit_code == 0, chart.output
    assert "utilisation.png" in json.loads((out / "iaas-sim.json").read_text())["files"]
    assert _run("--out", str(out), "--seed", "9").exit_code == 0
    assert not (out / "utilisation.png").exists()  # a chart of the earlier run goes with it
    assert (out / "notes" / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


def test_output_paths_are_refused_before_any_work(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = {
        str(loop): "symbolic link to nothing (or a loop)",
        str(dangling): "symbolic link to nothing (or a loop)",
        str(afile): "exists and is not a folder",
        str(tmp_path / ("n" * 300)): "a name is longer than 215 bytes",
        "/proc/iaas-sim-test": "system folder",
    }
    for target, message in cases.items():
        result = _run("--out", target)
        assert result.exit_code == 2, target
        assert message in result.output, (target, result.output)
        assert "NPV" not in result.output
    assert afile.read_text() == "x"


def test_a_symlink_to_a_folder_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert _run("--out", str(link)).exit_code == 0
    assert link.is_symlink()
    assert (real / "monthly.csv").exists()


def test_a_rerun_keeps_the_folders_own_mode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run("--out", str(out)).exit_code == 0
    out.chmod(0o2750)
    assert _run("--out", str(out)).exit_code == 0
    assert out.stat().st_mode & 0o7777 == 0o2750


@pytest.mark.parametrize("atomic", [True, False])
def test_files_written_into_the_folder_meanwhile_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, atomic: bool
) -> None:
    from iaas_sim.cli import output

    if not atomic:  # a system without renameat2: the fallback of two renames
        monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    target, staging = tmp_path / "out", tmp_path / ".out.iaas-sim-partial-1"
    target.mkdir()
    staging.mkdir()
    (target / "monthly.csv").write_text("old")  # an output being replaced
    (target / "late.txt").write_text("written during the commit")
    (staging / "monthly.csv").write_text("new")
    output._swap(staging, target, keep={"monthly.csv"})
    assert (target / "monthly.csv").read_text() == "new"
    assert (target / "late.txt").read_text() == "written during the commit"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_left_aside_by_a_kill_is_put_back(tmp_path: Path) -> None:
    from iaas_sim.cli.output import _remove_leftovers

    aside = tmp_path / ".out.iaas-sim-old-4242"
    aside.mkdir()
    (aside / "mine.txt").write_text("keep me")
    (tmp_path / ".out.iaas-sim-partial-4243").mkdir()
    _remove_leftovers(tmp_path / "out")
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_special_files_and_symlinked_files_as_outputs(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    result = CliRunner().invoke(app, ["report", str(MINIMAL), *SHORT, "--out", str(fifo)])
    assert result.exit_code == 2
    assert "exists and is not a regular file" in result.output
    real = tmp_path / "real.json"
    real.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert CliRunner().invoke(app, ["schema", "--out", str(link)]).exit_code == 0
    assert link.is_symlink()
    assert json.loads(real.read_text())["title"] == "Scenario"


def test_too_little_free_space_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    real = os.statvfs(tmp_path)

    class Full:
        f_bavail, f_frsize = 10, real.f_frsize

    monkeypatch.setattr(os, "statvfs", lambda path: Full())
    result = _run("--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "MiB free there; the outputs need about" in result.output
    assert "NPV" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_disk_that_fills_up_while_writing_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from iaas_sim.engine.result import Result

    out = tmp_path / "out"
    assert _run("--out", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(self: Result, folder: Path) -> list[Path]:
        (Path(folder) / "monthly.csv").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "monthly.csv"))

    monkeypatch.setattr(Result, "save", full)
    result = _run("--out", str(out), "--seed", "5")
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
