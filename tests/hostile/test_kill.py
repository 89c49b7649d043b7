"""A killed command leaves its output folder as it was or complete, never in between.

``iaas-sim run`` is SIGKILLed at moments drawn from a seeded generator (from before its
imports finish to after it has written), into a new folder and into a folder holding an
earlier complete run. After each kill the folder must be absent (or empty) when it was new,
the earlier run byte for byte, or the new run complete: every file its marker lists, the
tables identical to an uninterrupted run's, nothing else inside. The next run into the
folder must succeed and leave nothing beside it (no partial sibling, no lock file).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

MINIMAL = ROOT / "scenarios" / "minimal.toml"
MARKER = "iaas-sim.json"


def _command(out: Path, seed: int, months: int = 36) -> list[str]:
    run = [sys.executable, "-m", "iaas_sim.cli", "run", str(MINIMAL), "--seed", str(seed)]
    return [*run, "--set", f"run.months={months}", "--out", str(out)]


def _run(out: Path, seed: int) -> None:
    """An uninterrupted run, in this process (the same files as from a subprocess)."""
    from typer.testing import CliRunner

    from iaas_sim.cli import app

    result = CliRunner().invoke(app, _command(out, seed)[3:])
    assert result.exit_code == 0, result.output


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.name != MARKER
    }


def _kill_at(out: Path, seed: int, delay: float) -> None:
    proc = subprocess.Popen(_command(out, seed), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def _check(out: Path, before: dict[str, str] | None, after: dict[str, str]) -> str:
    """Which state the folder is in: 'none', 'previous' or 'new' (else the test fails)."""
    if not out.exists() or not any(out.iterdir()):
        assert before is None, "the earlier complete run was lost"
        return "none"
    entries = {p.name for p in out.iterdir()}
    assert not [n for n in entries if n.endswith(".tmp") or n.startswith(".")], entries
    assert MARKER in entries, f"files without their marker: {sorted(entries)}"
    found = _digest(out)
    if before is not None and found == before:
        return "previous"
    assert found == after, "the folder holds neither the earlier run nor the new one"
    return "new"


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _kills(tmp_path: Path, count: int, rng: random.Random) -> set[str]:
    reference = tmp_path / "reference-new"
    _run(reference, 2)
    new = _digest(reference)
    earlier_ref = tmp_path / "reference-old"
    _run(earlier_ref, 1)
    old = _digest(earlier_ref)
    seen = set()
    for k in range(count):
        out = tmp_path / f"out{k}"
        earlier = k % 2 == 1
        if earlier:
            _run(out, 1)
            assert _digest(out) == old
        # The first kill lands before the folder is touched; the others anywhere in the run.
        _kill_at(out, 2, 0.3 if k == 0 else rng.uniform(0.5, 3.0))
        seen.add(_check(out, old if earlier else None, new))
        _run(out, 2)  # the next command cleans what the killed one left beside the folder
        assert _digest(out) == new
        assert _leftovers(out) == []
    return seen


def test_run_killed_at_random_moments_leaves_a_complete_folder(tmp_path: Path) -> None:
    seen = _kills(tmp_path, 4, random.Random(12))
    assert seen & {"none", "previous"}, seen  # some kills came before the folder was in place


@pytest.mark.slow
def test_run_killed_many_times_leaves_a_complete_folder(tmp_path: Path) -> None:
    seen = _kills(tmp_path, 30, random.Random(2026))
    assert len(seen) >= 2, seen


def test_two_writers_of_one_folder_the_second_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    slow = _command(out, 1, months=600)
    first = subprocess.Popen(slow, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        lock = tmp_path / ".out.iaas-sim.lock"
        while not lock.exists() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.02)
        if first.poll() is not None:
            pytest.skip("the first run ended before the second started")
        second = subprocess.run(_command(out, 2), capture_output=True, text=True, timeout=120)
        if first.poll() is not None and second.returncode == 0:
            pytest.skip("the first run ended before the second took the lock")
        assert second.returncode == 2
        assert "--out: another iaas-sim command is writing there now" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.wait(timeout=120)
    assert first.returncode == 0
    assert _leftovers(out) == []
