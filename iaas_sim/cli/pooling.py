"""``iaas-sim pooling``: the pooling curve of a customer mix."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from iaas_sim.cli.common import AllowLarge, Force, fail, out, parse_assignments
from iaas_sim.cli.prologue import output_folder
from iaas_sim.scenario import Problem, ScenarioError, load_scenario


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
    force: Force = False,
    allow_large: AllowLarge = False,
) -> None:
    """The pooling curve: utilisation achievable and capacity needed against the number of
    customers, beside the square-root law; writes pooling.csv and pooling.png."""
    from iaas_sim.engine.guard import UNLIMITED, command_line_limits
    from iaas_sim.experiments.pooling_curve import pooling_curve

    target = _pooling_target(file, out_dir)
    with output_folder(target, "pooling", force) as folder:
        try:
            curve = pooling_curve(
                _curve_source(file, profile or [], vms, cv),
                limits=UNLIMITED if allow_large else command_line_limits(),
                customers=_parse_counts(customers) if customers else None,
                service_level=service_level,
                correlation=correlation,
                replications=replications,
                weeks=weeks,
                seed=seed,
            )
        except ScenarioError as exc:
            fail(exc)
        written = [curve.save(folder.staging)]
        if plot:
            from iaas_sim.analysis.plots import make_pooling_figure, save_figure

            figure = make_pooling_figure(curve)
            written.append(save_figure(figure, folder.staging / "pooling.png"))
        written = folder.commit(written, {"seed": curve.spec.seed})
    _print_curve(curve, curve.thresholds)
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
