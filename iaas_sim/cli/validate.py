"""``iaas-sim validate``: check scenario files, every error with its key path."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from iaas_sim.cli.common import EXIT_BAD_INPUT, print_problems, warn
from iaas_sim.scenario import ScenarioError, load_scenario


def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files (TOML).")]) -> None:
    """Check scenario files: 'OK' per good file, every error with its key path otherwise."""
    bad = False
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            bad = True
            print_problems(exc)
        else:
            warn(path, scenario)
            sys.stdout.write(f"{path}: OK\n")
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)
