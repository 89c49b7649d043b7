"""The experiments' errors name the Python API's arguments (``params``, ``goals``...); the
command line shows the option a user typed for each (``--param``, ``--goal``...)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iaas_sim as sim
from iaas_sim.cli.common import OPTIONS, option_for
from iaas_sim.experiments.dataset import SweepDataset
from iaas_sim.experiments.goals import check_goals
from iaas_sim.experiments.solve import default_bracket
from iaas_sim.experiments.sweep import design_points
from tests.cli import iaas_sim
from tests.conftest import ROOT, tiny

PRICE = "pricing.vm_hour_price"


def _other_sweep(folder: Path) -> None:
    SweepDataset(folder, {"points": [1]}).open()
    SweepDataset(folder, {"points": [2]}).open()


CASES: list[tuple[str, Callable[[Path], Any], Callable[..., Any]]] = [
    ("params", lambda _: design_points({PRICE: range(10**3), "b": range(10**3)}, "grid", None, 1),
     design_points),
    ("n_points", lambda _: design_points({PRICE: (0.01, 0.1)}, "lhs", None, 1), sim.sweep),
    ("params", lambda _: sim.sweep(tiny(), {"run.seed": [1, 2]}, n_jobs=1), sim.sweep),
    ("out", _other_sweep, sim.sweep),
    ("goals", lambda _: sim.monte_carlo(tiny(), n_replications=2, n_jobs=1,
                                        goals=["npvv >= 0"]), check_goals),
    ("metrics", lambda _: sim.sensitivity(tiny(), {PRICE: (0.04, 0.06)}, metrics=["npvv"],
                                          n_jobs=1), sim.sensitivity),
    ("vary", lambda _: default_bracket(tiny(), "pricing.vm_hour_prise"), sim.solve),
    ("between", lambda _: default_bracket(tiny(), "name"), sim.solve),
    ("target", lambda _: sim.solve(tiny(), PRICE, "nope >= 0", between=(0.04, 0.06),
                                   n_replications=1, n_jobs=1), sim.solve),
]  # fmt: skip


@pytest.mark.parametrize(("argument", "make", "function"), CASES)
def test_an_experiment_error_names_the_argument_it_refuses(
    tmp_path: Path, argument: str, make: Callable[[Path], Any], function: Callable[..., Any]
) -> None:
    with pytest.raises(ValueError, match=r".") as caught:
        make(tmp_path / "sweep")
    assert getattr(caught.value, "option", None) == argument
    assert argument in inspect.signature(function).parameters
    assert "--" not in str(caught.value)  # no command-line option in the message either
    assert option_for(argument).startswith("-")


def test_every_argument_has_its_option() -> None:
    assert option_for("params") == "--param"
    assert option_for("n_points") == "--points"
    assert option_for("--scheduler") == "--scheduler"  # already an option: shown as it is
    assert all(option.startswith("-") for option in OPTIONS.values())


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["sweep", "--param", f"{PRICE}=0.01:0.1:1000", "--param", "run.months=1:12:1000"],
         "--param: the grid has 1,000,000 points, more than 100,000"),
        (["sweep", "--param", "run.seed=[1,2]", "-j", "1"], "--param: run.seed: a sweep gives"),
        (["sensitivity", "--param", f"{PRICE}=0.04:0.06", "--metric", "npvv", "-j", "1"],
         "--metric: no metric named 'npvv'"),
        (["solve", "--vary", "pricing.vm_hour_prise", "--target", "npv >= 0"],
         "--vary: pricing.vm_hour_prise: "),
        (["solve", "--vary", "name", "--target", "npv >= 0"],
         "--between: name: give the range to search"),
        (["solve", "--vary", PRICE, "--target", "nope >= 0", "--between", "0.02:0.05", "-n", "1",
          "-j", "1"], "--target: target 'nope >= 0': no metric named 'nope'"),
    ],
)  # fmt: skip
def test_the_command_line_names_its_options(tmp_path: Path, args: list[str], shown: str) -> None:
    command, *rest = args
    ran = iaas_sim(
        command, str(ROOT / "scenarios/minimal.toml"), "--set", "run.months=6", *rest,
        *(["--out", str(tmp_path / "never")] if command != "solve" else []),
    )  # fmt: skip
    assert ran.returncode == 2, ran.stderr
    assert shown in ran.stderr
    assert "Traceback" not in ran.stderr
    assert not (tmp_path / "never").exists()
