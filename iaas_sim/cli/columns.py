"""``iaas-sim columns``: the registry of outputs, every monthly column and metric."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iaas_sim.cli.common import fail, literal, out
from iaas_sim.scenario import Problem, ScenarioError


def columns(
    file: Annotated[
        Path | None,
        typer.Argument(help="Scenario file (TOML): name its partner types' columns."),
    ] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print Markdown tables (as in the README).")
    ] = False,
    family: Annotated[
        str | None, typer.Option(help="Only this family (revenue stream, opex line, …).")
    ] = None,
) -> None:
    """List every monthly column and metric: name, unit, family, meaning, and the total
    its family sums to.

    Example: iaas-sim columns scenarios/numergy-2013.toml --family "revenue by channel"
    """
    from iaas_sim.engine.columns import FAMILIES
    from iaas_sim.engine.columns import columns as registry
    from iaas_sim.engine.columns import markdown as to_markdown

    if family is not None and family not in FAMILIES:
        known = ", ".join(FAMILIES)
        fail(ScenarioError([Problem("--family", f"no family {family!r}; the families: {known}")]))
    try:
        table = registry(file)
    except ScenarioError as exc:
        fail(exc)
    if family is not None:
        table = table[table["family"] == family]
    if markdown:
        for which, title in (("monthly", "Monthly columns"), ("metrics", "Metrics")):
            part = table[table["table"] == which]
            if len(part):
                sys.stdout.write(f"<!-- {title} -->\n{to_markdown(part)}\n")
        return
    for which, title in (("monthly", "Monthly columns"), ("metrics", "Metrics")):
        part = table[table["table"] == which]
        if not len(part):
            continue
        shown = Table(title=title, show_lines=False)
        for heading in ("name", "unit", "family", "sums to", "meaning"):
            shown.add_column(heading, overflow="fold")
        for row in part.to_dict("records"):
            cells = (row["name"], row["unit"], row["family"], row["sums_to"], row["description"])
            shown.add_row(*(literal(str(c)) for c in cells))
        out.print(shown)
