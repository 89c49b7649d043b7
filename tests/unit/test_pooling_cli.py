"""``iaas-sim pooling``: the pooling curve's table and plot, and its bad input."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import pandas as pd
import pytest

import iaas_sim as sim
from iaas_sim.analysis.plots import make_pooling_figure, plot_pooling
from tests.cli import iaas_sim
from tests.conftest import ROOT


def test_pooling_of_a_shipped_scenario_writes_table_and_plot(tmp_path: Path) -> None:
    out = tmp_path / "curve"
    proc = iaas_sim(
        "pooling",
        str(ROOT / "scenarios/cloudwatt-2014.toml"),
        "--customers",
        "10,100,1000",
        "--replications",
        "5",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "pooling.csv")
    assert list(table["customers"]) == [10, 100, 1000]
    assert {"capacity_vms", "utilisation", "utilisation_law", "capacity_law_vms"} <= set(
        table.columns
    )
    assert (out / "pooling.png").stat().st_size > 10_000
    # The mix of business-hours and dev & test customers can never reach 75 %.
    assert "75% utilisation: never with this mix" in proc.stdout


def test_pooling_of_a_profile_mix(tmp_path: Path) -> None:
    proc = iaas_sim(
        "pooling",
        "--profile",
        "always_on=3",
        "--profile",
        "business_hours",
        "--vms",
        '{ dist = "geometric", mean = 4 }',
        "--correlation",
        "0.02",
        "--customers",
        "1,10,100",
        "--replications",
        "3",
        "--no-plot",
        "--out",
        str(tmp_path / "mix"),
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "mix/pooling.csv").exists()
    assert not (tmp_path / "mix/pooling.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "always_of"], "mix[0].usage_profile: Input should be"),
        (["--profile", "always_on", "--service-level", "1.5"], "service_level: must be < 1.0"),
        (["--profile", "always_on", "--customers", "10,5"], "customers: must be strictly"),
        (["--profile", "always_on", "--customers", "10,ten"], "customers[1]:"),
        (
            ["--profile", "always_on", "--vms", "{ dist = 'fixed' }"],
            "mix[0].vms_per_customer.value: required key is missing",
        ),
        ([], "--profile: give a scenario file or at least one --profile"),
    ],
)
def test_bad_pooling_input_exits_2_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "never"
    proc = iaas_sim("pooling", *args, "--out", str(out))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_plot_pooling_draws_the_curve_the_law_and_the_thresholds() -> None:
    curve = sim.pooling_curve(
        {"mix": [{"usage_profile": "always_on"}]}, customers=[1, 10, 100], replications=3
    )
    ax = plot_pooling(curve)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "simulated mean" in labels
    assert "square-root law" in labels
    levels = sorted(
        line.get_ydata()[0] for line in ax.get_lines() if line.get_label().startswith("_")
    )
    assert {0.55, 0.75, 0.85} <= {round(float(v), 2) for v in levels}
    assert ax.get_xscale() == "log"
    assert ax.get_ylim() == (0.0, 1.02)
    assert len(ax.collections) == 1  # the 5-95 % band
    fig = make_pooling_figure(curve)
    assert len(fig.axes) == 2
    assert mpl.get_backend()  # rendered without a display
