"""Distributions of per-customer quantities (VMs per customer), written in TOML as
``{ dist = "lognormal", mean = 4.0, sd = 6.0 }``.

These are parameters only; sampling, means and variances live in ``core/distributions.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from iaas_sim.scenario.types import Frozen, Share, VmCount


class Fixed(Frozen):
    """Every customer has the same number of VMs."""

    dist: Literal["fixed"]
    """Distribution name [-]."""
    value: VmCount
    """VMs of every customer [VMs]."""


class Geometric(Frozen):
    """1, 2, 3, … VMs with geometrically decreasing probability (many small customers)."""

    dist: Literal["geometric"]
    """Distribution name [-]."""
    mean: Annotated[float, Field(ge=1.0, le=1e6)]
    """Mean VMs per customer [VMs]."""


class LogNormal(Frozen):
    """Heavy-tailed sizes: a lognormal with this mean and sd, rounded to the nearest whole
    VM, at least 1, at most ``max``."""

    dist: Literal["lognormal"]
    """Distribution name [-]."""
    mean: Annotated[float, Field(ge=1.0, le=1e6)]
    """Mean of the underlying lognormal [VMs]."""
    sd: Annotated[float, Field(ge=0.01, le=1e7)]
    """Standard deviation of the underlying lognormal [VMs]."""
    max: VmCount = 100_000
    """Largest customer [VMs]."""


class Discrete(Frozen):
    """Sizes drawn from a list of values with weights."""

    dist: Literal["discrete"]
    """Distribution name [-]."""
    values: Annotated[list[VmCount], Field(min_length=1, max_length=1000)]
    """Possible sizes [VMs]."""
    weights: Annotated[list[Share], Field(min_length=1, max_length=1000)]
    """Probability of each size, summing to 1 [share 0-1]."""

    @model_validator(mode="after")
    def _weights_match(self) -> Discrete:
        if len(self.weights) != len(self.values):
            raise ValueError(
                f"weights has {len(self.weights)} entries but values has {len(self.values)}"
            )
        total = sum(self.weights)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"weights must sum to 1, got {total:.6g}")
        return self


VmDistribution = Annotated[Fixed | Geometric | LogNormal | Discrete, Field(discriminator="dist")]
"""Distribution of VMs per customer."""

__all__ = ["Discrete", "Fixed", "Geometric", "LogNormal", "VmDistribution"]
