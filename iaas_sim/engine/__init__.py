"""The SimPy world (the only layer importing simpy), the customer book and ``Result``."""

from iaas_sim.engine.columns import columns
from iaas_sim.engine.result import Result, load_result
from iaas_sim.engine.simulate import simulate

__all__ = ["Result", "columns", "load_result", "simulate"]
