"""Replications, Monte Carlo, sweeps over local worker processes, and the pooling curve."""

from iaas_sim.experiments.montecarlo import MonteCarloResult, monte_carlo
from iaas_sim.experiments.pooling_curve import PoolingCurve, pooling_curve
from iaas_sim.experiments.sweep import sweep

__all__ = ["MonteCarloResult", "PoolingCurve", "monte_carlo", "pooling_curve", "sweep"]
