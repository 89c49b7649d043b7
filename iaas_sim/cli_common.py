"""What every ``iaas-sim`` command shares: the console, bad-input exits, reading
``PATH=VALUE`` items, checking output folders."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from iaas_sim.cli_output import (
    OutputError,
    OutputFolder,
    check_path,
    check_space,
    locked_file,
    make_folder,
    remove_empty,
)
from iaas_sim.scenario import Problem, Scenario, ScenarioError

if TYPE_CHECKING:
    from iaas_sim.engine.guard import Estimate
from iaas_sim.scenario.checks import check_scenario
from iaas_sim.scenario.text import printable

out = Console() if sys.stdout.isatty() else Console(width=160)
"""Standard output; wide when it is not a terminal (logs, pipes), so tables keep their
columns."""

EXIT_BAD_INPUT = 2


def fail(exc: ScenarioError) -> NoReturn:
    """Print every problem of a bad input, no traceback, and exit 2."""
    print_problems(exc)
    raise typer.Exit(EXIT_BAD_INPUT)


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``["a.b=0.04", "c=[1, 2]"]`` -> ``{"a.b": 0.04, "c": [1, 2]}``. Values are read as
    TOML values (numbers, dates, strings in quotes, arrays, inline tables), never evaluated;
    anything TOML cannot read is kept as text, for validation to judge."""
    changes: dict[str, Any] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError([Problem("--set", "must be written PATH=VALUE", item, True)])
        try:
            value = tomllib.loads(f"value = {text.strip()}")["value"]
        except (tomllib.TOMLDecodeError, RecursionError, ValueError):
            value = text.strip()  # not a TOML value (or too deep or long to read one)
        changes[path.strip()] = value
    return changes


Force = Annotated[
    bool,
    typer.Option(
        help="Write into a non-empty --out folder that holds no earlier output of this "
        "command (its files are kept, those of the same names replaced)."
    ),
]
AllowLarge = Annotated[
    bool,
    typer.Option(
        help="Run even when the resource guard estimates more memory or time than its "
        "limits (for a big machine)."
    ),
]


def refuse_output(exc: OutputError) -> NoReturn:
    sys.stderr.write(f"{exc}\n")
    raise typer.Exit(EXIT_BAD_INPUT)


@contextlib.contextmanager
def output_folder(
    target: Path,
    command: str | None,
    force: bool = False,
    needed_bytes: float = 10 * 2**20,
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
        check_space(target, 10 * 2**20)
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
        check_space(real, 10 * 2**20)
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


def guard(
    scenario: Scenario,
    allow_large: bool,
    replications: int = 1,
    jobs: int = 1,
    option: str = "-n",
) -> Estimate:
    """The resource guard's estimate, refused (``ScenarioError``) above the command
    line's limits: the memory available now and an hour of work, unless ``allow_large``."""
    from iaas_sim.engine.guard import (
        NOTICE_SECONDS,
        UNLIMITED,
        check_resources,
        command_line_limits,
        describe_duration,
    )

    limits = UNLIMITED if allow_large else command_line_limits()
    found = check_resources(scenario, limits, replications, jobs, option)
    seconds = found.seconds * replications / max(1, min(jobs, replications))
    if seconds > NOTICE_SECONDS:
        sys.stderr.write(
            f"note: the resource guard bounds this command at {describe_duration(seconds)} "
            f"and {found.memory_bytes * min(jobs, replications) / 2**30:,.1f} GiB\n"
        )
    return found


def warn(path: Path, scenario: Scenario) -> None:
    """Print the scenario's warnings (they do not change the exit code)."""
    for text in check_scenario(scenario):
        sys.stderr.write(printable(f"{path}: warning: {text}") + "\n")


def print_problems(exc: ScenarioError) -> None:
    """One plain line per problem on stderr (never wrapped: scripts and CI read them)."""
    sys.stderr.write(printable(str(exc)) + "\n")


def scheduler_of(address: str | None, local: int | None) -> str | None:
    """The Dask scheduler for ``--scheduler ADDRESS`` or ``--dask-local N`` (None: local
    processes)."""
    if address is not None and local is not None:
        fail(ScenarioError([Problem("--scheduler", "give --scheduler or --dask-local, not both")]))
    if local is not None:
        return f"local:{local}"
    if address is not None and address.startswith("local:"):
        count = address.split(":", 1)[1]
        if not count.isdigit() or int(count) < 1:
            fail(
                ScenarioError(
                    [Problem("--scheduler", "local:N needs N >= 1 workers", address, True)]
                )
            )
    return address


def at_least(low: int) -> Any:
    """A typer callback refusing a number below ``low``, naming the value (typer's own
    ``min=`` message leaves it out)."""

    def check(value: int | None) -> int | None:
        if value is not None and value < low:
            raise typer.BadParameter(f"must be >= {low} (got {value})")
        return value

    return check


Scheduler = Annotated[
    str | None, typer.Option(help="Run on the Dask cluster at this scheduler address.")
]
DaskLocal = Annotated[
    int | None, typer.Option(help="Run on a local Dask cluster of N workers.", callback=at_least(1))
]
Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", help="Worker processes (default: every core).", callback=at_least(1)
    ),
]
PointReplications = Annotated[
    int,
    typer.Option("-n", "--replications", help="Replications per point.", callback=at_least(1)),
]
Seed = Annotated[
    int | None, typer.Option(help="Root seed (default: run.seed).", callback=at_least(0))
]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value: PATH=VALUE (TOML value); repeatable."),
]
"""Options shared by the experiment commands."""


def between(low: int, high: int) -> Any:
    """A typer callback refusing a number outside ``[low, high]``, naming the value."""

    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise typer.BadParameter(f"must be from {low:,} to {high:,} (got {value})")
        return value

    return check


def literal(text: str) -> str:
    """Text of a scenario shown as written: rich markup escaped, control characters (a
    terminal's escape sequences, bidirectional overrides) written as ``\\x1b``-style codes."""
    from rich.markup import escape

    return escape(printable(text))
