"""The ``iaas-sim`` command: parse, call, write files, print."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from iaas_sim.scenario import Problem, Scenario, ScenarioError, load_scenario
from iaas_sim.scenario.checks import check_scenario

app = typer.Typer(
    name="iaas-sim",
    help="Simulate an IaaS provider's business: customers, channels, pooling, P&L, cash.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()

EXIT_BAD_INPUT = 2


def _fail(exc: ScenarioError) -> None:
    """Print every problem of a bad input, no traceback, and exit 2."""
    _print_problems(exc)
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


def _check_out_dir(target: Path) -> None:
    """Refuse, before any work, an output folder that cannot be written."""
    problem = None
    if target.exists() and not target.is_dir():
        problem = "exists and is not a folder"
    else:
        parent = next(p for p in [target, *target.parents] if p.exists())
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            problem = f"cannot be created or written ({parent} is not writable)"
    if problem:
        sys.stderr.write(f"--out: {problem} (got '{target}')\n")
        raise typer.Exit(EXIT_BAD_INPUT)


def _warn(path: Path, scenario: Scenario) -> None:
    """Print the scenario's warnings (they do not change the exit code)."""
    for text in check_scenario(scenario):
        sys.stderr.write(f"{path}: warning: {text}\n")


def _print_problems(exc: ScenarioError) -> None:
    """One plain line per problem on stderr (never wrapped: scripts and CI read them)."""
    sys.stderr.write(str(exc) + "\n")


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files (TOML).")]) -> None:
    """Check scenario files: 'OK' per good file, every error with its key path otherwise."""
    bad = False
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            bad = True
            _print_problems(exc)
        else:
            _warn(path, scenario)
            sys.stdout.write(f"{path}: OK\n")
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: run.seed).", min=0)
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
) -> None:
    """Simulate a scenario; write monthly.csv, monthly.parquet, metrics.json, cashflow.png."""
    from iaas_sim.engine import simulate

    try:
        scenario = load_scenario(file)
        if set_:
            scenario = scenario.override(parse_assignments(set_))
    except ScenarioError as exc:
        _fail(exc)
    target = out_dir if out_dir is not None else Path("results") / file.stem
    _check_out_dir(target)
    _warn(file, scenario)
    result = simulate(scenario, seed=seed)
    written = result.save(target)
    if plot:
        from iaas_sim.analysis.plots import make_cashflow_figure, save_figure

        written.append(save_figure(make_cashflow_figure(result), target / "cashflow.png"))
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
    else:
        output.write_text(text)


@app.command()
def pooling(
    file: Annotated[
        Path | None,
        typer.Argument(help="Scenario whose segments give the customer mix (optional)."),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            help="A kind of customer, PROFILE or PROFILE=WEIGHT (always_on, business_hours, "
            "dev_test); repeatable; replaces the scenario's mix."
        ),
    ] = None,
    vms: Annotated[
        str | None,
        typer.Option(
            help="VMs per customer of the --profile kinds, a TOML inline table, e.g. "
            "'{ dist = \"geometric\", mean = 2.5 }' (default 1 VM)."
        ),
    ] = None,
    cv: Annotated[
        float | None, typer.Option(help="Fluctuation CV of the --profile kinds (default theirs).")
    ] = None,
    correlation: Annotated[
        float | None,
        typer.Option(help="Correlation between customers (default 0 or the scenario's)."),
    ] = None,
    service_level: Annotated[
        float | None, typer.Option(help="Share of hours all demand is served (default 0.99).")
    ] = None,
    customers: Annotated[
        str | None, typer.Option(help="Numbers of customers, comma-separated, increasing.")
    ] = None,
    replications: Annotated[int | None, typer.Option(help="Books per number (default 20).")] = None,
    weeks: Annotated[int | None, typer.Option(help="Weeks simulated per book (default 4).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default 0).")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: results/pooling-<name>).")
    ] = None,
    plot: Annotated[bool, typer.Option(help="Also write pooling.png.")] = True,
) -> None:
    """The pooling curve: utilisation achievable and capacity needed against the number of
    customers, beside the square-root law; writes pooling.csv and pooling.png."""
    from iaas_sim.experiments.pooling_curve import THRESHOLDS, pooling_curve

    target = _pooling_target(file, out_dir)
    _check_out_dir(target)
    try:
        curve = pooling_curve(
            _curve_source(file, profile or [], vms, cv),
            customers=_parse_counts(customers) if customers else None,
            service_level=service_level,
            correlation=correlation,
            replications=replications,
            weeks=weeks,
            seed=seed,
        )
    except ScenarioError as exc:
        _fail(exc)
    written = [curve.save(target)]
    if plot:
        from iaas_sim.analysis.plots import make_pooling_figure, save_figure

        written.append(save_figure(make_pooling_figure(curve), target / "pooling.png"))
    _print_curve(curve, THRESHOLDS)
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")


def _pooling_target(file: Path | None, out_dir: Path | None) -> Path:
    if out_dir is not None:
        return out_dir
    return Path("results") / ("pooling" if file is None else f"pooling-{file.stem}")


def _curve_source(file: Path | None, profiles: list[str], vms: str | None, cv: float | None) -> Any:
    """The pooling curve's mix: the scenario's segments, or the --profile kinds."""
    if not profiles:
        if file is None:
            raise ScenarioError(
                [Problem("--profile", "give a scenario file or at least one --profile")]
            )
        if vms is not None or cv is not None:
            raise ScenarioError(
                [Problem("--vms", "--vms and --cv describe --profile kinds; add --profile")]
            )
        scenario = load_scenario(file)
        return scenario
    size: Any = {"dist": "fixed", "value": 1}
    if vms is not None:
        size = parse_assignments([f"vms={vms}"])["vms"]
    mix = []
    for item in profiles:
        name, _, weight = item.partition("=")
        entry: dict[str, Any] = {"name": name, "usage_profile": name, "vms_per_customer": size}
        if weight:
            entry["weight"] = parse_assignments([f"w={weight}"])["w"]
        if cv is not None:
            entry["usage_cv"] = cv
        mix.append(entry)
    data: dict[str, Any] = {"mix": mix}
    if file is not None:
        scenario = load_scenario(file)
        data["correlation"] = scenario.pooling.correlation
        data["common_autocorrelation"] = scenario.pooling.common_autocorrelation
    return data


def _parse_counts(text: str) -> list[Any]:
    """``"1,10,1e3"`` -> ``[1, 10, 1000]``; anything else is kept for validation to judge."""
    values: list[Any] = []
    for part in text.split(","):
        part = part.strip().replace("_", "")
        try:
            number = float(part)
        except ValueError:
            values.append(part)
            continue
        values.append(int(number) if number.is_integer() else number)
    return values


def _print_curve(curve: Any, thresholds: tuple[float, ...]) -> None:
    spec = curve.spec
    table = Table(
        title=f"Pooling curve: service level {spec.service_level:.1%}, correlation "
        f"{spec.correlation:g}, {spec.replications} books per row"
    )
    for name in ("customers", "mean VMs", "capacity VMs", "utilisation", "5-95 %", "√N law"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in curve.table.itertuples():
        table.add_row(
            f"{row.customers:,}",
            f"{row.mean_demand_vms:,.1f}",
            f"{row.capacity_vms:,.1f}",
            f"{row.utilisation:.1%}",
            f"{row.utilisation_p5:.0%}-{row.utilisation_p95:.0%}",
            f"{row.utilisation_law:.1%}",
        )
    out.print(table)
    for level in thresholds:
        law = curve.customers_needed[level]
        safe = curve.customers_safe(level)
        if law is None:
            text = f"never with this mix (the limit is {curve.limit:.1%})"
        elif law <= 1.0:
            text = "already with a single customer"
        else:
            text = f"from about {law:,.0f} customers by the square-root law"
            text += (
                f"; reached in 95 % of simulated books from {safe:,}"
                if safe is not None
                else "; not reached in 95 % of simulated books at these numbers"
            )
        sys.stdout.write(f"{level:.0%} utilisation: {text}\n")


def _print_summary(metrics: dict[str, Any], metadata: dict[str, Any]) -> None:
    from iaas_sim.analysis.plots import format_money

    cur = metadata.get("currency", "EUR")
    table = Table(title=f"{metadata['scenario_name']} (seed {metadata['seed']})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    irr = metrics["irr"]
    rows = [
        ("revenue, whole run", format_money(metrics["total_revenue"], cur)),
        *((f"revenue {y}", format_money(v, cur)) for y, v in metrics["revenue_by_year"].items()),
        ("break-even (EBITDA > 0 for good)", metrics["breakeven_month"] or "never"),
        ("payback (cumulative free cash flow back to 0)", metrics["payback_month"] or "never"),
        ("peak funding", format_money(metrics["peak_funding"], cur)),
        ("NPV", format_money(metrics["npv"], cur)),
        ("IRR", "undefined" if irr is None else f"{irr:.1%}"),
        ("mean utilisation", f"{metrics['mean_utilisation']:.1%}"),
        ("months below low threshold", str(metrics["months_below_low_threshold"])),
        ("months above high threshold", str(metrics["months_above_high_threshold"])),
        ("pooling gain", f"{metrics['pooling_gain']:.2f}"),
        ("customers at the end", f"{metrics['final_customers']:,}"),
        ("customers lost (capacity full)", f"{metrics['lost_customers']:,}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
