"""What a command does before its work, in one place: load the scenario file, apply
``--set``, the command's own checks of its options, the resource guard, the Dask scheduler,
the seed, the output (checked and locked before anything runs) and the scenario's
warnings. Anything refused on the way exits 2 with nothing written.

    with prologue(file, set_, seed, Output("folder", out_dir, "mc-{stem}", "mc"),
                  plan, scheduler=scheduler) as started:
        ...  # started.scenario, started.seed, started.folder.staging
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Literal, NoReturn, TypeVar

import typer

from iaas_sim.cli.common import EXIT_BAD_INPUT, fail, parse_assignments, scheduler_of, warn
from iaas_sim.cli.output import (
    OutputError,
    OutputFolder,
    check_path,
    check_space,
    locked_file,
    make_folder,
    remove_empty,
)
from iaas_sim.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from iaas_sim.engine.guard import Estimate, Limits

T = TypeVar("T")
MB = 2**20


@dataclass(frozen=True)
class Plan(Generic[T]):
    """What a command's own checks made of its options (``parsed``), and the work it asks
    for, for the resource guard."""

    parsed: T
    replications: int | None = 1
    """Runs of the scenario (None: not guarded here; the experiment guards each step)."""
    jobs: int | None = 1
    """How many at once: ``--jobs`` (None: every core)."""
    option: str = "-n"
    """The option asking for the replications, named when the guard refuses them."""
    output_bytes: float | None = 10 * MB
    """Space the outputs need (None: the guard's estimate of one run's files)."""


def single_run(scenario: Scenario) -> Plan[None]:
    """The plan of a command that runs the scenario once and checks nothing more: the
    space its files need is the guard's estimate."""
    return Plan(None, output_bytes=None)


@dataclass(frozen=True)
class Output:
    """Where a command writes."""

    kind: Literal["folder", "dataset", "file"]
    """``folder``: replaced as a whole (``OutputFolder``); ``dataset``: written in place
    and resumable (a sweep's); ``file``: one file."""
    given: Path | None
    """``--out`` (None: ``results/<default>``)."""
    default: str
    """The name under ``results/`` when ``--out`` is not given; ``{stem}`` is the scenario
    file's name without ``.toml``."""
    command: str | None = None
    """The command whose earlier outputs (``iaas-sim.json``) may be replaced (``folder``)."""
    force: bool = False
    check: Callable[[Path], None] | None = None
    """The file's own check, run with its lock held (a report replaces only a report)."""


@dataclass(frozen=True)
class Started(Generic[T]):
    """A command ready to work."""

    file: Path
    scenario: Scenario
    seed: int
    """``--seed``, else the scenario's ``run.seed``."""
    parsed: T
    limits: Limits
    """The resource guard's limits for the experiment's own checks."""
    scheduler: str | None
    target: Path | None
    """The output: the folder (as given), the dataset's folder or the file (both checked,
    a symlink followed)."""
    folder: OutputFolder | None
    """``folder`` outputs: where the files go (``folder.staging``) and are committed."""


def root_seed(scenario: Scenario, seed: int | None) -> int:
    """``--seed``, else the scenario's ``run.seed``."""
    return scenario.run.seed if seed is None else seed


def load(file: Path, sets: list[str] | None) -> Scenario:
    """The scenario file with the ``--set`` changes applied (``ScenarioError`` if bad)."""
    scenario = load_scenario(file)
    return scenario.override(parse_assignments(sets)) if sets else scenario


@contextlib.contextmanager
def prologue(
    file: Path,
    sets: list[str] | None,
    seed: int | None,
    output: Output | None,
    plan: Callable[[Scenario], Plan[T]],
    *,
    allow_large: bool = False,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> Iterator[Started[T]]:
    """Load, ``--set``, ``plan`` (the command's checks), the guard: refused with exit 2
    before anything else; then the scheduler and the output, refused before any work; then
    the warnings, and the command works inside the block (its output locked)."""
    from iaas_sim.engine.guard import UNLIMITED, command_line_limits

    limits = UNLIMITED if allow_large else command_line_limits()
    try:
        scenario = load(file, sets)
        planned = plan(scenario)
        found = None
        if planned.replications is not None:
            found = guard(scenario, limits, planned.replications, planned.jobs, planned.option)
    except ScenarioError as exc:
        fail(exc)
    where = scheduler_of(scheduler, dask_local)
    needed = planned.output_bytes
    if needed is None:
        needed = found.output_bytes if found is not None else 10 * MB
    with _opened(output, file, needed) as (target, folder):
        warn(file, scenario)
        root = root_seed(scenario, seed)
        yield Started(file, scenario, root, planned.parsed, limits, where, target, folder)


@contextlib.contextmanager
def _opened(
    output: Output | None, file: Path, needed_bytes: float
) -> Iterator[tuple[Path | None, OutputFolder | None]]:
    if output is None:
        yield None, None
        return
    target = output.given
    if target is None:
        target = Path("results") / output.default.format(stem=file.stem)
    if output.kind == "folder":
        with output_folder(target, output.command, output.force, needed_bytes) as folder:
            yield target, folder
    elif output.kind == "dataset":
        with locked_folder(target) as place:
            yield place, None
    else:
        with output_file(target) as real:  # a FIFO, a folder... refused before it is opened
            if output.check is not None:
                output.check(real)
            yield real, None


def guard(
    scenario: Scenario,
    limits: Limits,
    replications: int = 1,
    jobs: int | None = None,
    option: str = "-n",
) -> Estimate:
    """The resource guard's estimate, refused (``ScenarioError``) above ``limits``; a note
    on stderr when the command will take a while."""
    from iaas_sim.engine.guard import NOTICE_SECONDS, check_resources, describe_duration
    from iaas_sim.experiments.executor import resolve_jobs

    workers = resolve_jobs(jobs)
    found = check_resources(scenario, limits, replications, workers, option)
    seconds = found.seconds * replications / max(1, min(workers, replications))
    if seconds > NOTICE_SECONDS:
        sys.stderr.write(
            f"note: the resource guard bounds this command at {describe_duration(seconds)} "
            f"and {found.memory_bytes * min(workers, replications) / 2**30:,.1f} GiB\n"
        )
    return found


# ---------------------------------------------------------------------------------------
# Outputs: checked and locked before any work, refusals and write failures as exit 2


def refuse_output(exc: OutputError) -> NoReturn:
    sys.stderr.write(f"{exc}\n")
    raise typer.Exit(EXIT_BAD_INPUT)


@contextlib.contextmanager
def output_folder(
    target: Path,
    command: str | None,
    force: bool = False,
    needed_bytes: float = 10 * MB,
    keep_outputs: bool = False,
) -> Iterator[OutputFolder]:
    """An ``OutputFolder`` (checked and locked before any work; written as a whole), with
    its refusals and write failures (a full disk) as exit 2 and nothing changed."""
    try:
        folder = OutputFolder(target, command, force, needed_bytes, keep_outputs)
        folder.__enter__()
    except OutputError as exc:
        refuse_output(exc)
    try:
        yield folder
    except OSError as exc:
        if not _writing_error(exc, folder.staging):
            raise
        sys.stderr.write(
            f"{folder.option}: cannot write {exc.filename or target} ({exc.strerror or exc}); "
            f"'{target}' is as it was (got '{target}')\n"
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        folder.__exit__(None, None, None)


WRITE_ERRORS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG}
)


def _writing_error(exc: OSError, staging: Path) -> bool:
    """An error of writing the outputs (a full disk...), not of the work (a connection)."""
    name = os.fspath(exc.filename or "")
    return exc.errno in WRITE_ERRORS or (bool(name) and str(name).startswith(str(staging.parent)))


@contextlib.contextmanager
def locked_folder(target: Path) -> Iterator[Path]:
    """A folder written in place (a sweep's resumable dataset): its path checked and its
    lock held, refusals as exit 2."""
    try:
        target = check_path(target, whole=False)
        check_space(target, 10 * MB)
        created = make_folder(target)
    except OutputError as exc:
        refuse_output(exc)
    except OSError as exc:
        refuse_output(OutputError(f"cannot be created ({exc.strerror})", target))
    try:
        with _locked(target):
            yield target
    finally:
        remove_empty(created)  # those still empty: a refused sweep leaves no trace


def output_file(target: Path) -> contextlib.AbstractContextManager[Path]:
    """Check one output file's path (before any work) and hold its lock while it is
    written; the context gives the path to write (a symlink followed)."""
    try:
        real = check_path(target, folder=False)
        check_space(real, 10 * MB)
    except OutputError as exc:
        refuse_output(exc)
    return _locked(real)


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[Path]:
    try:
        with locked_file(target):
            yield target
    except OutputError as exc:
        refuse_output(exc)
    except OSError as exc:
        if not _writing_error(exc, target):
            raise
        sys.stderr.write(f"--out: cannot write ({exc.strerror or exc}) (got '{target}')\n")
        raise typer.Exit(EXIT_BAD_INPUT) from None
