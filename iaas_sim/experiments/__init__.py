"""Replications, Monte Carlo, sweeps over local worker processes, and the pooling curve."""

from iaas_sim.experiments.montecarlo import MonteCarloResult, monte_carlo
from iaas_sim.experiments.pooling_curve import PoolingCurve, pooling_curve
from iaas_sim.experiments.sensitivity import sensitivity
from iaas_sim.experiments.solve import Solution, solve
from iaas_sim.experiments.sweep import sweep

__all__ = [
    "MonteCarloResult",
    "PoolingCurve",
    "Solution",
    "monte_carlo",
    "pooling_curve",
    "sensitivity",
    "solve",
    "sweep",
]
