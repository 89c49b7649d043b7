"""Scenario files: the pydantic schema, TOML loading, dotted overrides (the only layer
importing pydantic)."""

from iaas_sim.scenario.checks import check_scenario
from iaas_sim.scenario.errors import Problem, ScenarioError
from iaas_sim.scenario.load import load_scenario, scenario_hash, scenario_to_dict
from iaas_sim.scenario.model import Run, Scenario

__all__ = [
    "Problem",
    "Run",
    "Scenario",
    "ScenarioError",
    "check_scenario",
    "load_scenario",
    "scenario_hash",
    "scenario_to_dict",
]
