"""Replications, Monte Carlo and sweeps over local worker processes."""

from iaas_sim.experiments.montecarlo import MonteCarloResult, monte_carlo
from iaas_sim.experiments.sweep import sweep

__all__ = ["MonteCarloResult", "monte_carlo", "sweep"]
