"""The ``iaas-sim`` command: parse, call, write files, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from iaas_sim.cli_common import (
    EXIT_BAD_INPUT,
    AllowLarge,
    Force,
    at_least,
    fail,
    guard,
    out,
    output_file,
    output_folder,
    parse_assignments,
    print_problems,
    warn,
)
from iaas_sim.cli_mc import mc
from iaas_sim.cli_plot import compare, plot
from iaas_sim.cli_pooling import pooling
from iaas_sim.cli_report import report
from iaas_sim.cli_sensitivity import sensitivity, solve
from iaas_sim.cli_sweep import sweep
from iaas_sim.scenario import ScenarioError, load_scenario
from iaas_sim.scenario.text import printable

app = typer.Typer(
    name="iaas-sim",
    help="Simulate an IaaS provider's business: customers, channels, pooling, P&L, cash.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(pooling)
app.command()(mc)
app.command()(sweep)
app.command()(sensitivity)
app.command()(solve)
app.command()(plot)
app.command()(compare)
app.command()(report)


@app.command()
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


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: run.seed).", callback=at_least(0))
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: results/<file name>).")
    ] = None,
    plot: Annotated[bool, typer.Option(help="Also write cashflow.png.")] = True,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a value: PATH=VALUE (TOML value), e.g. "
            "pricing.vm_hour_price=0.04; repeatable.",
        ),
    ] = None,
    force: Force = False,
    allow_large: AllowLarge = False,
) -> None:
    """Simulate a scenario; write monthly.csv, monthly.parquet, metrics.json, cashflow.png."""
    from iaas_sim.engine import simulate

    try:
        scenario = load_scenario(file)
        if set_:
            scenario = scenario.override(parse_assignments(set_))
        found = guard(scenario, allow_large)
    except ScenarioError as exc:
        fail(exc)
    target = out_dir if out_dir is not None else Path("results") / file.stem
    with output_folder(target, "run", force, found.output_bytes) as folder:
        warn(file, scenario)
        try:
            result = simulate(scenario, seed=seed, limits=None)
        except ScenarioError as exc:
            fail(exc)
        written = result.save(folder.staging)
        if plot:
            from iaas_sim.analysis.plots import make_cashflow_figure, save_figure

            figure = make_cashflow_figure(result)
            written.append(save_figure(figure, folder.staging / "cashflow.png"))
        written = folder.commit(written, result.metadata)
    _print_summary(result.metrics, result.metadata)
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Print (or write) the JSON schema of scenario files."""
    from iaas_sim.scenario.model import Scenario

    text = json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    from iaas_sim.engine.result import atomic_write

    with output_file(output) as real:
        atomic_write(real, lambda p: Path(p).write_text(text))


def _print_summary(metrics: dict[str, Any], metadata: dict[str, Any]) -> None:
    from iaas_sim.analysis.summary import metric_rows

    title = printable(f"{metadata['scenario_name']} (seed {metadata['seed']})")
    table = Table(title=Text(title))
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metric_rows(metrics, metadata.get("currency", "EUR")):
        table.add_row(name, value)
    out.print(table)


def main() -> None:
    """Entry point of the console script. SIGTERM (a ``timeout``, a job scheduler) ends a
    command as Ctrl-C does: what it was writing is removed, and it exits 143."""
    import os
    import signal

    main_pid = os.getpid()

    def terminate(signum: int, frame: Any) -> None:
        if os.getpid() != main_pid:  # a worker process forked from this one: just end
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    app()


if __name__ == "__main__":
    main()
