"""iaas-sim: simulate an Infrastructure-as-a-Service provider's business, from customers
arriving through channels to a monthly P&L and cash-flow curve.

    import iaas_sim as sim
    sc = sim.load_scenario("scenarios/cloudwatt-2014.toml")
    res = sim.simulate(sc, seed=7)
    res.monthly, res.metrics
"""

from iaas_sim.engine import Result, load_result, simulate
from iaas_sim.engine.simulate import package_version
from iaas_sim.experiments import MonteCarloResult, PoolingCurve, monte_carlo, pooling_curve, sweep
from iaas_sim.scenario import Scenario, ScenarioError, load_scenario

__version__ = package_version()

__all__ = [
    "MonteCarloResult",
    "PoolingCurve",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_result",
    "load_scenario",
    "monte_carlo",
    "pooling_curve",
    "simulate",
    "sweep",
]
