"""The hostile tests' commands, each in a process of its own under limits, without an
interpreter to start per command.

A fork server (``multiprocessing``'s ``forkserver``) imports ``iaas_sim`` and its heavy
dependencies once; each command runs in a child forked from it, as ``iaas-sim ARGS...``
would run: ``sys.argv`` set, in its folder, standard output and standard error to files, an
uncaught exception printed as a traceback with exit status 1. The child has a session of
its own (its worker processes are killed with it), an address-space limit and a limit of
CPU seconds, so a command that is not refused fails its test instead of hanging the suite
or exhausting the machine's memory. The limits are CPU seconds, not wall-clock seconds: a
loaded machine makes a command slower, not a failure. A wall-clock limit ten times longer
(two minutes at least) remains, for a command blocked without computing.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.context import ForkServerContext
from pathlib import Path

PRELOAD = [
    "tests.hostile.runner",
    "iaas_sim.cli.app",
    "iaas_sim.engine",
    "iaas_sim.experiments.montecarlo",
    "iaas_sim.experiments.sweep",
    "iaas_sim.analysis.plots",
    "iaas_sim.analysis.report",
    "pyarrow.parquet",
]
"""Imported once by the fork server (what a command would otherwise import each time)."""
WALL_FACTOR = 10
WALL_MINIMUM_S = 120.0
_context: ForkServerContext | None = None
_polling = threading.Lock()
"""Held to start a child or read its exit status: ``Process.start`` polls every child, and
two threads reading one child's status from the fork server would leave one with 255."""


@dataclass(frozen=True)
class Finished:
    """One finished (or killed) command."""

    returncode: int | None
    """``None`` when killed at a limit (its reason at the end of ``stderr``)."""
    stdout: str
    stderr: str
    seconds: float
    """Wall-clock seconds."""


def run(
    args: list[str], cwd: Path, cpu_seconds: float, memory_bytes: int, columns: int = 200
) -> Finished:
    """Run ``iaas-sim ARGS...`` in ``cwd`` in a child of the fork server; safe to call from
    several threads at once."""
    with tempfile.TemporaryDirectory(prefix="iaas-sim-streams-") as streams:
        out, err = Path(streams) / "stdout", Path(streams) / "stderr"
        limits = (cpu_seconds, memory_bytes, columns)
        child = _fork_server().Process(target=_child, args=(args, str(cwd), limits, out, err))
        start = time.monotonic()
        with _polling:
            child.start()
        wall_s = max(WALL_MINIMUM_S, WALL_FACTOR * cpu_seconds)
        blocked = not wait([child.sentinel], wall_s)  # readable once the child has ended
        with _polling:
            if blocked:
                _kill_session(child.pid)
            child.join()
            code = child.exitcode
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            _kill_session(child.pid)  # its workers, if any
        stdout = out.read_text(encoding="utf-8", errors="replace")
        stderr = err.read_text(encoding="utf-8", errors="replace")
    seconds = time.monotonic() - start
    if blocked:
        return Finished(None, stdout, stderr + f"\n[killed after {wall_s:g} s]", seconds)
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return Finished(None, stdout, stderr + f"\n[killed after {cpu_seconds:g} CPU s]", seconds)
    assert code is not None  # finished: negative when a signal ended it
    return Finished(code, stdout, stderr, seconds)


def _kill_session(pid: int) -> None:
    """Kill the command and its workers (its session's process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _fork_server() -> ForkServerContext:
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        atexit.register(_stop_fork_server)
        _context = context
    return _context


def _stop_fork_server() -> None:
    """Stop the server and wait for it, so that its CPU time (and its commands') counts in
    this process's (``time pytest``); multiprocessing leaves it to end on its own."""
    from multiprocessing import forkserver

    with contextlib.suppress(AttributeError, OSError):
        forkserver._forkserver._stop()  # the server's own method for stopping it


def _child(
    args: list[str], cwd: str, limits: tuple[float, int, int], stdout: Path, stderr: Path
) -> None:
    """The command, in the forked child: limits, folder, streams, then ``main()``."""
    cpu_seconds, memory_bytes, columns = limits
    os.setsid()
    cpu = math.ceil(cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    os.chdir(cwd)
    os.environ["COLUMNS"] = str(columns)
    for fd, path in ((1, stdout), (2, stderr)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.argv = ["iaas-sim", *args]
    code = _main()
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _main() -> int:
    """``iaas-sim``'s entry point, its exit as the interpreter would make it."""
    from iaas_sim.cli.app import main

    try:
        main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{exc.code}\n")
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0
