"""``iaas-sim schema``: the JSON schema of scenario files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from iaas_sim.cli.prologue import output_file


def schema(
    output: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Print (or write) the JSON schema of scenario files."""
    from iaas_sim.scenario.model import Scenario

    text = json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    from iaas_sim.util.files import atomic_write

    with output_file(output) as real:
        atomic_write(real, lambda p: Path(p).write_text(text))
