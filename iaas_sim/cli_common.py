"""What every ``iaas-sim`` command shares: the console, bad-input exits, reading
``PATH=VALUE`` items, checking output folders."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from iaas_sim.scenario import Problem, Scenario, ScenarioError
from iaas_sim.scenario.checks import check_scenario

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
        except tomllib.TOMLDecodeError:
            value = text.strip()
        changes[path.strip()] = value
    return changes


MARKER = "iaas-sim.json"
"""Written last in every output folder: the command, the files it wrote, the package
version, the scenario's hash and the seed. A folder holding it, from the same command, may
be written again without ``--force``."""

Force = Annotated[
    bool,
    typer.Option(
        help="Write into a non-empty --out folder (files of the same names are replaced, "
        "the others kept)."
    ),
]


def check_out_dir(target: Path, command: str | None = None, force: bool = False) -> None:
    """Refuse, before any work, an output folder that cannot be written, or (``command``
    given, without ``force``) one that is not empty and holds no earlier output of
    ``iaas-sim command``."""
    problem = None
    if target.exists() and not target.is_dir():
        problem = "exists and is not a folder"
    else:
        parent = next(p for p in [target, *target.parents] if p.exists())
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            problem = f"cannot be created or written ({parent} is not writable)"
        elif command is not None and not force and target.is_dir():
            entries = sorted(p.name for p in target.iterdir())
            if entries and _owner(target) != command:
                shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
                problem = (
                    f"is not empty (it holds {shown}) and holds no earlier output of "
                    f"'iaas-sim {command}': give a new or empty folder, or add --force to "
                    "write into it"
                )
    if problem:
        sys.stderr.write(f"--out: {problem} (got '{target}')\n")
        raise typer.Exit(EXIT_BAD_INPUT)


def mark_out_dir(target: Path, command: str, written: list[Path], metadata: dict[str, Any]) -> Path:
    """Write ``iaas-sim.json`` in ``target`` (last, so that it names complete files)."""
    import json
    import shlex

    from iaas_sim.engine.result import atomic_write

    document: dict[str, Any] = {
        "command": command,
        "command_line": "iaas-sim " + shlex.join(sys.argv[1:]),
        "files": sorted({p.name for p in written}),
        **{k: metadata[k] for k in ("package_version", "scenario_hash", "seed") if k in metadata},
    }
    if "package_version" not in document:
        from iaas_sim.engine.simulate import package_version

        document["package_version"] = package_version()
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    return atomic_write(target / MARKER, lambda p: Path(p).write_text(text))


def _owner(folder: Path) -> str | None:
    """The command that wrote ``folder``, from its marker (None: none or unreadable)."""
    import json

    try:
        found = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return found.get("command") if isinstance(found, dict) else None


def warn(path: Path, scenario: Scenario) -> None:
    """Print the scenario's warnings (they do not change the exit code)."""
    for text in check_scenario(scenario):
        sys.stderr.write(f"{path}: warning: {text}\n")


def print_problems(exc: ScenarioError) -> None:
    """One plain line per problem on stderr (never wrapped: scripts and CI read them)."""
    sys.stderr.write(str(exc) + "\n")


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
