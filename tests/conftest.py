"""Shared fixtures: small scenarios built as dicts, the shipped scenarios' runs, and a folder
written by ``iaas-sim run``."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

import iaas_sim as sim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))

TINY: dict[str, Any] = {
    "schema_version": 1,
    "name": "tiny",
    "run": {"start": "2024-01-01", "months": 6, "seed": 1},
    "segments": [
        {
            "name": "base",
            "potential_customers": 0.0,
            "initial_customers": 10,
            "bass_p_per_year": 0.1,
            "bass_q_per_year": 0.3,
            "vms_per_customer": {"dist": "fixed", "value": 4},
            "usage_profile": "always_on",
            "usage_cv": 0.0,
            "churn_per_month": 0.0,
            "channel_mix": {"web": 1.0},
        }
    ],
    "channels": {"partners": {"types": [{"name": "resellers"}]}},
    "pricing": {"vm_hour_price": 0.05},
    "capacity": {"vms_per_server": 10, "initial_servers": 100, "lead_time_days": 30},
}


def tiny(**changes: Any) -> sim.Scenario:
    """A small deterministic scenario (10 customers x 4 always-on VMs, no noise, no churn,
    no arrivals, ample capacity) with dotted-path changes applied."""
    return sim.load_scenario(copy.deepcopy(TINY)).override(changes)


@pytest.fixture(scope="session")
def shipped_results() -> dict[str, sim.Result]:
    """One run of every shipped scenario, with its own seed."""
    return {path.stem: sim.simulate(sim.load_scenario(path)) for path in SCENARIOS}


@pytest.fixture(scope="session")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder written by ``iaas-sim run scenarios/minimal.toml --set run.months=12
    --no-plot``, made once; tests that change it work on a copy (``copy_of``)."""
    from tests.cli import iaas_sim

    out = tmp_path_factory.mktemp("saved") / "run"
    ran = iaas_sim(
        "run",
        str(ROOT / "scenarios/minimal.toml"),
        "--set",
        "run.months=12",
        "--no-plot",
        "--out",
        str(out),
    )
    assert ran.returncode == 0, ran.stderr
    return out


def copy_of(folder: Path, where: Path) -> Path:
    """A copy of ``folder`` at ``where`` (a shared fixture's folder, to change)."""
    shutil.copytree(folder, where)
    return where
