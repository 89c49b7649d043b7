"""iaas-sim: simulate an Infrastructure-as-a-Service provider's business, from customers
arriving through channels to a monthly P&L and cash-flow curve.

    import iaas_sim as sim
    sc = sim.load_scenario("scenarios/cloudwatt-2014.toml")
    res = sim.simulate(sc, seed=7)
    res.monthly, res.metrics

The names below are imported on first use, so that a program using only part of the
package (the pooling core, say) does not load pandas, SimPy and the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iaas_sim.engine import Result, columns, load_result, simulate
    from iaas_sim.experiments import (
        MonteCarloResult,
        PoolingCurve,
        monte_carlo,
        pooling_curve,
        sensitivity,
        solve,
        sweep,
    )
    from iaas_sim.scenario import Scenario, ScenarioError, load_scenario

_WHERE = {
    "Result": "iaas_sim.engine",
    "columns": "iaas_sim.engine",
    "load_result": "iaas_sim.engine",
    "simulate": "iaas_sim.engine",
    "MonteCarloResult": "iaas_sim.experiments",
    "PoolingCurve": "iaas_sim.experiments",
    "monte_carlo": "iaas_sim.experiments",
    "pooling_curve": "iaas_sim.experiments",
    "sweep": "iaas_sim.experiments",
    "sensitivity": "iaas_sim.experiments",
    "solve": "iaas_sim.experiments",
    "Scenario": "iaas_sim.scenario",
    "ScenarioError": "iaas_sim.scenario",
    "load_scenario": "iaas_sim.scenario",
}

__all__ = [
    "MonteCarloResult",
    "PoolingCurve",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "columns",
    "load_result",
    "load_scenario",
    "monte_carlo",
    "pooling_curve",
    "sensitivity",
    "simulate",
    "solve",
    "sweep",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from iaas_sim.util.version import package_version

        return package_version()
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'iaas_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
