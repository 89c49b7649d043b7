"""Uncertain inputs: any number of a scenario, named by its dotted path, given a
distribution in the ``[uncertain]`` table; rank correlations between them in
``[[correlations]]``. Each replication draws its inputs once (``core/uncertain.py``).

The tables' schema is here, with pinning some inputs to values (``pin_inputs``); their
checks against the scenario are in ``uncertain_checks`` (re-exported here)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from iaas_sim.scenario.overrides import apply_overrides, validate_checked
from iaas_sim.scenario.paths import canonical_path
from iaas_sim.scenario.types import Frozen, Share
from iaas_sim.scenario.uncertain_checks import check_uncertain, integer_paths, rank_matrix
from iaas_sim.scenario.validation import scenario_to_dict

if TYPE_CHECKING:
    from iaas_sim.scenario.model import Scenario

Finite = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]


class FixedInput(Frozen):
    """Always the same value (a placeholder while building a model)."""

    dist: Literal["fixed"]
    """Distribution name [-]."""
    value: Finite
    """The value [unit of the key]."""

    def extremes(self) -> list[float]:
        return [self.value]


class UniformInput(Frozen):
    """Any value between ``low`` and ``high``, equally likely."""

    dist: Literal["uniform"]
    """Distribution name [-]."""
    low: Finite
    """Smallest value [unit of the key]."""
    high: Finite
    """Largest value [unit of the key]."""

    @model_validator(mode="after")
    def _ordered(self) -> UniformInput:
        if not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")
        return self

    def extremes(self) -> list[float]:
        return [self.low, self.high]


class TriangularInput(Frozen):
    """The three-point estimate: smallest, most likely and largest value."""

    dist: Literal["triangular"]
    """Distribution name [-]."""
    low: Finite
    """Smallest value [unit of the key]."""
    mode: Finite
    """Most likely value [unit of the key]."""
    high: Finite
    """Largest value [unit of the key]."""

    @model_validator(mode="after")
    def _ordered(self) -> TriangularInput:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                "must satisfy low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def extremes(self) -> list[float]:
        return [self.low, self.high]


class NormalInput(Frozen):
    """A normal distribution, truncated to ``[low, high]`` when they are given."""

    dist: Literal["normal"]
    """Distribution name [-]."""
    mean: Finite
    """Mean (before truncation) [unit of the key]."""
    sd: Annotated[float, Field(ge=1e-12, le=1e15, allow_inf_nan=False)]
    """Standard deviation (before truncation) [unit of the key]."""
    low: Finite | None = None
    """Truncate below this value [unit of the key]."""
    high: Finite | None = None
    """Truncate above this value [unit of the key]."""

    @model_validator(mode="after")
    def _ordered(self) -> NormalInput:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")
        # At least one in a million draws must fall inside the truncation.
        lo = -math.inf if self.low is None else (self.low - self.mean) / self.sd
        hi = math.inf if self.high is None else (self.high - self.mean) / self.sd
        if _phi(hi) - _phi(lo) < 1e-6:
            raise ValueError(
                f"[low, high] = [{self.low}, {self.high}] is too far out in the tails of "
                f"mean {self.mean}, sd {self.sd}"
            )
        return self

    def extremes(self) -> list[float]:
        return [
            self.mean - 8 * self.sd if self.low is None else self.low,
            self.mean + 8 * self.sd if self.high is None else self.high,
        ]


class LogNormalInput(Frozen):
    """A positive, right-skewed value given by its mean and standard deviation."""

    dist: Literal["lognormal"]
    """Distribution name [-]."""
    mean: Annotated[float, Field(ge=1e-12, le=1e15, allow_inf_nan=False)]
    """Mean [unit of the key]."""
    sd: Annotated[float, Field(ge=1e-12, le=1e15, allow_inf_nan=False)]
    """Standard deviation [unit of the key]."""

    def extremes(self) -> list[float]:
        sigma = math.sqrt(math.log1p((self.sd / self.mean) ** 2))
        mu = math.log(self.mean) - sigma * sigma / 2
        return [math.exp(mu - 6 * sigma), math.exp(mu + 6 * sigma)]


class BetaInput(Frozen):
    """A beta distribution with shapes ``alpha`` and ``beta``, stretched to
    ``[low, high]`` (a share, by default)."""

    dist: Literal["beta"]
    """Distribution name [-]."""
    alpha: Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False)]
    """First shape parameter [-]."""
    beta: Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False)]
    """Second shape parameter [-]."""
    low: Finite = 0.0
    """Value at 0 [unit of the key]."""
    high: Finite = 1.0
    """Value at 1 [unit of the key]."""

    @model_validator(mode="after")
    def _ordered(self) -> BetaInput:
        if not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")
        return self

    def extremes(self) -> list[float]:
        return [self.low, self.high]


class DiscreteInput(Frozen):
    """One of a few values, with probabilities (scenarios of a board meeting)."""

    dist: Literal["discrete"]
    """Distribution name [-]."""
    values: Annotated[list[Finite], Field(min_length=1, max_length=1000)]
    """Possible values [unit of the key]."""
    weights: Annotated[list[Share], Field(min_length=1, max_length=1000)]
    """Probability of each value, summing to 1 [share 0-1]."""

    @model_validator(mode="after")
    def _weights(self) -> DiscreteInput:
        if len(self.weights) != len(self.values):
            raise ValueError(
                f"weights has {len(self.weights)} entries but values has {len(self.values)}"
            )
        if abs(sum(self.weights) - 1.0) > 1e-6:
            raise ValueError(f"weights must sum to 1, got {sum(self.weights):.6g}")
        return self

    def extremes(self) -> list[float]:
        return sorted(set(self.values))


InputDistribution = Annotated[
    FixedInput
    | UniformInput
    | TriangularInput
    | NormalInput
    | LogNormalInput
    | BetaInput
    | DiscreteInput,
    Field(discriminator="dist"),
]
"""Distribution of an uncertain input."""


class RankCorrelation(Frozen):
    """Rank (Spearman) correlation between two uncertain inputs, induced across the
    replications of a Monte Carlo run by the Iman-Conover method."""

    between: Annotated[list[str], Field(min_length=2, max_length=2)]
    """The two inputs' dotted paths, as written in ``[uncertain]`` [-]."""
    rank: Annotated[float, Field(gt=-1.0, lt=1.0, allow_inf_nan=False)]
    """Target rank correlation [ratio -1 to 1]."""


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


__all__ = [
    "InputDistribution",
    "RankCorrelation",
    "check_uncertain",
    "integer_paths",
    "pin_inputs",
    "rank_matrix",
]


def pin_inputs(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with the keys of ``values`` set, and no longer uncertain (a sweep point
    fixes what it sweeps; the other uncertain inputs still vary)."""
    data = scenario_to_dict(scenario)

    def same(path: str) -> str:
        try:
            return canonical_path(data, path)
        except (KeyError, ValueError):
            return path  # validation of the override names it

    pinned = {same(p) for p in values}
    fixed = {k for k in scenario.uncertain if same(k) in pinned}
    if not fixed:
        return apply_overrides(scenario, values)
    data["uncertain"] = {k: v for k, v in data["uncertain"].items() if k not in fixed}
    data["correlations"] = [
        c for c in data["correlations"] if not any(p in fixed for p in c["between"])
    ]
    return apply_overrides(validate_checked(type(scenario), data, "override"), values)
