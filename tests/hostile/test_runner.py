"""The hostile tests' runner enforces its limits: CPU seconds, and the exit status and
streams of a command as a process of its own would give them."""

from __future__ import annotations

from pathlib import Path

from tests.hostile import runner
from tests.hostile.test_corpus import MEMORY_BYTES, MINIMAL


def test_a_command_gives_its_exit_status_and_streams(tmp_path: Path) -> None:
    done = runner.run(["run", str(tmp_path / "absent.toml")], tmp_path, 30, MEMORY_BYTES)
    assert done.returncode == 2
    assert done.stderr == f"{tmp_path / 'absent.toml'}: no such file\n"
    assert done.stdout == ""
    ok = runner.run(["validate", str(MINIMAL)], tmp_path, 30, MEMORY_BYTES)
    assert (ok.returncode, ok.stdout) == (0, f"{MINIMAL}: OK\n")


def test_a_command_over_its_cpu_seconds_is_killed(tmp_path: Path) -> None:
    long_run = ["run", str(MINIMAL), "--set", "run.months=600", "--no-plot", "--out", "out"]
    done = runner.run(long_run, tmp_path, 1, MEMORY_BYTES)
    assert done.returncode is None
    assert done.stderr.endswith("[killed after 1 CPU s]")
    assert not (tmp_path / "out").exists()
