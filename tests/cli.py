"""Running ``iaas-sim`` in tests.

``iaas_sim(...)`` runs a command in this process with typer's ``CliRunner`` (no interpreter
to start: a fraction of a second instead of two or three), as a user's shell would run it:
``sys.argv`` set, in ``cwd``, standard output and standard error apart. An exception that
escapes the command is written to its standard error as the interpreter would print it (a
traceback) with exit status 1, so "exit 2, no traceback" means here what it means for a
real process.

``iaas_sim_process(...)`` starts a real process (``python -m iaas_sim.cli``), for what only
a process has: signals, the console script, standard error with no terminal behind it.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from typer.testing import CliRunner

from iaas_sim.cli import app


@dataclass(frozen=True)
class Ran:
    """What a command did, as a finished process tells it."""

    returncode: int
    stdout: str
    stderr: str


def iaas_sim(*args: str, cwd: Path | None = None) -> Ran:
    """Run ``iaas-sim ARGS...`` in this process."""
    with (
        contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext(),
        mock.patch.object(sys, "argv", ["iaas-sim", *args]),
    ):
        result = CliRunner().invoke(app, list(args), prog_name="iaas-sim")
    stderr = result.stderr
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
        code = 1
    return Ran(code, result.stdout, stderr)


def iaas_sim_process(
    *args: str, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``iaas-sim ARGS...`` in a new interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "iaas_sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
