"""Uncertain inputs: any number of a scenario, named by its dotted path, given a
distribution in the ``[uncertain]`` table; rank correlations between them in
``[[correlations]]``. Each replication draws its inputs once (``core/uncertain.py``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from iaas_sim.scenario.errors import Problem, ScenarioError
from iaas_sim.scenario.types import Frozen, Share

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


NOT_UNCERTAIN = {"schema_version", "name", "description", "run", "uncertain", "correlations"}
"""Top-level keys an uncertain input may not be under."""


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def check_uncertain(scenario: Scenario) -> list[Problem]:
    """Problems of the ``[uncertain]`` and ``[[correlations]]`` tables: paths that are not
    numbers of the scenario (or name a key twice), distributions that can take values the
    key refuses (alone, or all inputs at their low or high ends together), correlations
    between unknown inputs or that no joint distribution can have."""
    from iaas_sim.scenario.load import scenario_to_dict

    data = scenario_to_dict(scenario)
    problems: list[Problem] = []
    spelled: dict[str, str] = {}
    corners: dict[str, tuple[float, float]] = {}
    for path, dist in scenario.uncertain.items():
        problem, ends = _check_input(scenario, data, path, dist, spelled)
        if problem is not None:
            problems.append(problem)
        elif ends is not None:
            corners[path] = ends
    if not problems and len(corners) > 1:
        problems += _check_corners(scenario, corners)
    return problems + _check_correlations(scenario, bool(problems))


def _check_input(
    scenario: Scenario,
    data: dict[str, object],
    path: str,
    dist: InputDistribution,
    spelled: dict[str, str],
) -> tuple[Problem | None, tuple[float, float] | None]:
    """One input: a problem, or its lowest and highest values."""
    from iaas_sim.scenario.overrides import (
        PathError,
        apply_overrides,
        canonical_path,
        get_path,
        parse_path,
    )

    where = f'uncertain."{path}"'
    try:
        head = str(parse_path(path)[0])
        same = canonical_path(data, path)
        current = get_path(data, path)
    except PathError as exc:
        return Problem(where, str(exc)), None
    except (KeyError, ValueError) as exc:
        return Problem(where, f"not a key of the scenario: {exc.args[0]}"), None
    if same in spelled:
        return Problem(where, f"the same key as '{spelled[same]}'"), None
    spelled[same] = path
    if head in NOT_UNCERTAIN:
        return Problem(where, f"'{head}' cannot be uncertain (it sets up the run)"), None
    if isinstance(current, bool) or not isinstance(current, int | float | None):
        return Problem(where, "not a number of the scenario", current, True), None
    whole = isinstance(current, int) and not isinstance(current, bool)
    values = [float(round(e)) if whole else e for e in dist.extremes()]
    for value in values:
        try:
            apply_overrides(scenario, {path: _typed(value, whole)}, check_uncertain=False)
        except ScenarioError as exc:
            why = "; ".join(p.message for p in exc.problems)
            text = f"the {dist.dist} distribution can take {value:g}; the key refuses it: {why}"
            return Problem(where, text), None
    return None, (_typed(min(values), whole), _typed(max(values), whole))


def _typed(value: float, whole: bool) -> float:
    return round(value) if whole else value


def _check_corners(scenario: Scenario, ends: dict[str, tuple[float, float]]) -> list[Problem]:
    """Every input at its low end together, then at its high end (inputs that are each
    fine alone can break a rule between keys, such as thresholds in order)."""
    from iaas_sim.scenario.overrides import apply_overrides

    for side, name in ((0, "low"), (1, "high")):
        corner = {path: pair[side] for path, pair in ends.items()}
        try:
            apply_overrides(scenario, corner, check_uncertain=False)
        except ScenarioError as exc:
            why = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
            return [
                Problem(
                    "uncertain",
                    f"with every input at its {name} end together the scenario is refused: {why}",
                )
            ]
    return []


def _check_correlations(scenario: Scenario, skip_matrix: bool) -> list[Problem]:
    problems = []
    names = set(scenario.uncertain)
    pairs: set[frozenset[str]] = set()
    for i, corr in enumerate(scenario.correlations):
        pair = frozenset(corr.between)
        if pair in pairs and len(pair) == 2:
            problems.append(Problem(f"correlations[{i}].between", "this pair is given twice"))
        pairs.add(pair)
        for name in corr.between:
            if name not in names:
                problems.append(
                    Problem(f"correlations[{i}].between", f"'{name}' is not in [uncertain]")
                )
        if corr.between[0] == corr.between[1]:
            problems.append(Problem(f"correlations[{i}].between", "names the same input twice"))
    consistent = skip_matrix or not scenario.correlations
    if not problems and not consistent and not _positive_definite(rank_matrix(scenario)):
        problems.append(
            Problem(
                "correlations",
                "these correlations are inconsistent: no set of inputs can have them all "
                "(the matrix they form is not positive definite): "
                + "; ".join(
                    f"{c.between[0]} ~ {c.between[1]} = {c.rank:g}"
                    for c in scenario.correlations[:6]
                )
                + ("; ..." if len(scenario.correlations) > 6 else ""),
            )
        )
    return problems


def rank_matrix(scenario: Scenario) -> list[list[float]]:
    """Target rank correlations of the uncertain inputs, in the order of ``[uncertain]``
    (1 on the diagonal, 0 where none is given)."""
    names = list(scenario.uncertain)
    matrix = [[1.0 if i == j else 0.0 for j in names] for i in names]
    for corr in scenario.correlations:
        i, j = (names.index(n) for n in corr.between)
        matrix[i][j] = matrix[j][i] = corr.rank
    return matrix


def _positive_definite(matrix: list[list[float]]) -> bool:
    """Whether a Cholesky factorisation exists (plain Python: a few hundred inputs at most)."""
    n = len(matrix)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = matrix[i][j] - sum(low[i][k] * low[j][k] for k in range(j))
            if i == j:
                if s <= 1e-12:
                    return False
                low[i][i] = math.sqrt(s)
            else:
                low[i][j] = s / low[j][j]
    return True


def integer_paths(scenario: Scenario) -> set[str]:
    """Uncertain inputs whose key holds a whole number (their draws are rounded)."""
    from iaas_sim.scenario.load import scenario_to_dict
    from iaas_sim.scenario.overrides import get_path

    data = scenario_to_dict(scenario)
    out = set()
    for path in scenario.uncertain:
        value = get_path(data, path)
        if isinstance(value, int) and not isinstance(value, bool):
            out.add(path)
    return out


__all__ = ["InputDistribution", "RankCorrelation", "check_uncertain", "integer_paths"]


def pin_inputs(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with the keys of ``values`` set, and no longer uncertain (a sweep point
    fixes what it sweeps; the other uncertain inputs still vary)."""
    from iaas_sim.scenario.load import scenario_to_dict, validate_scenario
    from iaas_sim.scenario.overrides import apply_overrides, canonical_path

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
    return apply_overrides(validate_scenario(data, source="override"), values)
