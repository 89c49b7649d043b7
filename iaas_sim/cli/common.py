"""What every ``iaas-sim`` command shares: the console, bad-input exits (with the option an
experiment's error stands for), reading ``PATH=VALUE`` items, the options themselves."""

from __future__ import annotations

import contextlib
import sys
import tomllib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from iaas_sim.engine.guard import RAISE_LIMITS
from iaas_sim.scenario import Problem, Scenario, ScenarioError
from iaas_sim.scenario.checks import check_scenario
from iaas_sim.scenario.text import printable

if TYPE_CHECKING:
    from iaas_sim.experiments.goals import Goal

out = Console() if sys.stdout.isatty() else Console(width=160)
"""Standard output; wide when it is not a terminal (logs, pipes), so tables keep their
columns."""

T = TypeVar("T")

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

OPTIONS: dict[str, str] = {
    "params": "--param",
    "n_points": "--points",
    "n_replications": "-n",
    "n_samples": "--samples",
    "goals": "--goal",
    "metrics": "--metric",
    "vary": "--vary",
    "target": "--target",
    "between": "--between",
    "out": "--out",
    "scheduler": "--scheduler",
}
"""The option of the command line for each argument of the Python API that an experiment's
error names (``OptionError.option``): the API speaks of ``params``, the command line of
``--param``. A name not listed (already an option) is shown as it is."""


def option_for(argument: str) -> str:
    """``"params"`` -> ``"--param"``: the option a user gave for an API argument."""
    return OPTIONS.get(argument, argument)


def fail(exc: ScenarioError) -> NoReturn:
    """Print every problem of a bad input, no traceback, and exit 2."""
    print_problems(exc)
    raise typer.Exit(EXIT_BAD_INPUT)


def refusal(exc: ValueError, option: str = "") -> ScenarioError:
    """An experiment's ``ValueError`` as a ``ScenarioError``: as it is, or one problem
    naming the option that sets the argument it names (else ``option``)."""
    if isinstance(exc, ScenarioError):
        return exc
    named = getattr(exc, "option", None)
    return ScenarioError([Problem(option_for(named) if named else option, str(exc))])


def checked(make: Callable[[], T], option: str) -> T:
    """``make()``, a ``ValueError`` it raises as a ``ScenarioError`` (``refusal``)."""
    try:
        return make()
    except ValueError as exc:
        raise refusal(exc, option) from None


@contextlib.contextmanager
def refusals(interrupted: Callable[[], str] | None = None) -> Iterator[None]:
    """Run an experiment: its refusals (a goal naming nothing, an unreachable scheduler...)
    exit 2; with ``interrupted``, Ctrl-C prints its text and exits 130."""
    try:
        yield
    except ValueError as exc:
        fail(refusal(exc))
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        sys.stderr.write(interrupted() + "\n")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def nothing_written() -> str:
    return "interrupted: nothing written"


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


def parse_goals(texts: list[str] | None) -> list[Goal]:
    """The ``--goal`` items read (``ScenarioError`` naming ``--goal`` for one that is not
    a goal)."""
    from iaas_sim.experiments.goals import parse_goal

    return [checked(partial(parse_goal, text), "--goal") for text in texts or []]


def warn(path: Path, scenario: Scenario) -> None:
    """Print the scenario's warnings (they do not change the exit code)."""
    for text in check_scenario(scenario):
        sys.stderr.write(printable(f"{path}: warning: {text}") + "\n")


def print_problems(exc: ScenarioError) -> None:
    """One plain line per problem on stderr (never wrapped: scripts and CI read them); the
    resource guard's way out is the command line's ``--allow-large``."""
    text = str(exc).replace(RAISE_LIMITS, "add --allow-large to run anyway")
    sys.stderr.write(printable(text) + "\n")


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


def literal(text: str) -> str:
    """Text of a scenario shown as written: rich markup escaped, control characters (a
    terminal's escape sequences, bidirectional overrides) written as ``\\x1b``-style codes."""
    from rich.markup import escape

    return escape(printable(text))


# ---------------------------------------------------------------------------------------
# Options


def at_least(low: int) -> Any:
    """A typer callback refusing a number below ``low``, naming the value (typer's own
    ``min=`` message leaves it out)."""

    def check(value: int | None) -> int | None:
        if value is not None and value < low:
            raise typer.BadParameter(f"must be >= {low} (got {value})")
        return value

    return check


def between(low: int, high: int) -> Any:
    """A typer callback refusing a number outside ``[low, high]``, naming the value."""

    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise typer.BadParameter(f"must be from {low:,} to {high:,} (got {value})")
        return value

    return check


ScenarioFile = Annotated[Path, typer.Argument(help="Scenario file (TOML).")]
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
