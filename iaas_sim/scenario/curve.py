"""What a pooling curve is computed for: a mix of customer kinds, the numbers of customers,
the service level and the correlation between customers (``iaas-sim pooling``)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from iaas_sim.scenario.distributions import Fixed, VmDistribution
from iaas_sim.scenario.errors import from_validation_error
from iaas_sim.scenario.types import SMALLEST, Frozen, Seed

if TYPE_CHECKING:
    from iaas_sim.scenario.model import Scenario


class CurveClass(Frozen):
    """One kind of customer in the mix."""

    name: Annotated[str, Field(max_length=64)] = ""
    """Label [-]."""
    usage_profile: Literal["always_on", "business_hours", "dev_test"] = "always_on"
    """Shape of hourly use over the week [-]."""
    weight: Annotated[float, Field(ge=SMALLEST, le=1e6)] = 1.0
    """Relative number of customers of this kind (weights are normalised) [-]."""
    vms_per_customer: VmDistribution = Fixed(dist="fixed", value=1)
    """Distribution of VMs per customer [VMs]."""
    usage_cv: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """Coefficient of variation of a customer's hourly use; default the profile's [ratio]."""
    usage_autocorrelation: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    """Lag-1 hourly autocorrelation of the fluctuation; default the profile's [ratio]."""


class CurveSpec(Frozen):
    """A pooling curve to compute."""

    mix: Annotated[list[CurveClass], Field(min_length=1, max_length=100)]
    """Kinds of customers [-]."""
    customers: Annotated[
        list[Annotated[int, Field(ge=1, le=1_000_000)]], Field(min_length=1, max_length=100)
    ] = Field(default_factory=lambda: [1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000])
    """Numbers of customers to simulate, increasing [customers]."""
    service_level: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.99
    """Share of hours in which all demand must be served [share]."""
    correlation: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Correlation between any two customers' fluctuations (common shock) [ratio 0-1]."""
    common_autocorrelation: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.9
    """Lag-1 hourly autocorrelation of the common shock [ratio]."""
    replications: Annotated[int, Field(ge=1, le=10_000)] = 20
    """Customer books simulated per number of customers [-]."""
    weeks: Annotated[int, Field(ge=1, le=52)] = 4
    """Weeks of hourly demand simulated per book [weeks]."""
    seed: Seed = 0
    """Root seed [-]."""

    @field_validator("customers")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError(f"must be strictly increasing, got {value}")
        return value

    @model_validator(mode="after")
    def _affordable(self) -> CurveSpec:
        draws = sum(self.customers) * self.replications
        if draws > MAX_CUSTOMER_DRAWS:
            raise ValueError(
                f"customers x replications comes to {draws:,} simulated customers, more than "
                f"{MAX_CUSTOMER_DRAWS:,}: use fewer replications or smaller numbers"
            )
        return self


MAX_CUSTOMER_DRAWS = 200_000_000
"""Most customers a pooling curve may draw (sum of ``customers`` x ``replications``)."""


def make_curve_spec(data: Mapping[str, Any], source: str | None = None) -> CurveSpec:
    """Validate a pooling curve's parameters (plain data); bad values raise
    ``ScenarioError`` naming the key."""
    try:
        return CurveSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise from_validation_error(exc, CurveSpec, source) from None


def curve_mix_of(scenario: Scenario) -> list[dict[str, Any]]:
    """The customer kinds of a scenario's segments, weighted by how many customers each
    brings (potential plus initial; equal weights if none brings any)."""
    weights = [s.potential_customers + s.initial_customers for s in scenario.segments]
    if sum(weights) <= 0:
        weights = [1.0] * len(weights)
    return [
        {
            "name": s.name,
            "usage_profile": s.usage_profile,
            "weight": float(w),
            "vms_per_customer": s.vms_per_customer.model_dump(),
            "usage_cv": s.usage_cv,
            "usage_autocorrelation": s.usage_autocorrelation,
        }
        for s, w in zip(scenario.segments, weights, strict=True)
        if w > 0
    ]
