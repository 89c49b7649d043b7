"""Drawing uncertain inputs: one value per input and replication from its distribution,
and the Iman-Conover reordering that gives a set of replications the rank correlations
asked for without changing any input's marginal distribution."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats
from scipy.special import ndtri

from iaas_sim.core.streams import STREAM_NAMES
from iaas_sim.scenario.uncertain import (
    BetaInput,
    DiscreteInput,
    FixedInput,
    InputDistribution,
    LogNormalInput,
    NormalInput,
    TriangularInput,
    UniformInput,
    rank_matrix,
)

if TYPE_CHECKING:
    from iaas_sim.scenario.model import Scenario


def compute_quantiles(dist: InputDistribution, u: np.ndarray) -> np.ndarray:
    """The values at probabilities ``u`` (inverse CDF): draws when ``u`` is uniform."""
    u = np.asarray(u, dtype=float)
    if isinstance(dist, FixedInput):
        return np.full(u.shape, dist.value)
    if isinstance(dist, UniformInput):
        return dist.low + u * (dist.high - dist.low)
    if isinstance(dist, TriangularInput):
        width = dist.high - dist.low
        c = (dist.mode - dist.low) / width
        return np.asarray(stats.triang.ppf(u, c, loc=dist.low, scale=width))
    if isinstance(dist, NormalInput):
        a = -np.inf if dist.low is None else (dist.low - dist.mean) / dist.sd
        b = np.inf if dist.high is None else (dist.high - dist.mean) / dist.sd
        return np.asarray(stats.truncnorm.ppf(u, a, b, loc=dist.mean, scale=dist.sd))
    if isinstance(dist, LogNormalInput):
        sigma = np.sqrt(np.log1p((dist.sd / dist.mean) ** 2))
        mu = np.log(dist.mean) - sigma**2 / 2
        return np.asarray(np.exp(mu + sigma * ndtri(u)))
    if isinstance(dist, BetaInput):
        x = stats.beta.ppf(u, dist.alpha, dist.beta)
        return np.asarray(dist.low + x * (dist.high - dist.low))
    if isinstance(dist, DiscreteInput):
        cdf = np.cumsum(dist.weights)
        cdf /= cdf[-1]
        index = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
        return np.asarray(dist.values, dtype=float)[index]
    raise TypeError(f"unknown distribution {dist!r}")


def sample_inputs(
    scenario: Scenario,
    seed: int | np.random.SeedSequence,
    integers: set[str] | None = None,
) -> dict[str, float]:
    """One draw of every uncertain input for the replication ``seed``, whole numbers rounded
    for keys that hold them. Each input has its own stream (the ``inputs`` stream's child
    keyed by the input's path), so pinning or adding one input leaves the others' draws
    unchanged (common random numbers across sweep points)."""
    integers = integers or set()
    out: dict[str, float] = {}
    for path, dist in scenario.uncertain.items():
        u = input_stream(seed, path).random()
        value = float(compute_quantiles(dist, np.array([u]))[0])
        out[path] = round(value) if path in integers else value
    return out


def input_stream(seed: int | np.random.SeedSequence, path: str) -> np.random.Generator:
    """The stream of one uncertain input in the replication ``seed``."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    key = (*root.spawn_key, STREAM_NAMES.index("inputs"), zlib.crc32(path.encode()))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(root.entropy, spawn_key=key)))


def correlation_matrix(scenario: Scenario) -> np.ndarray:
    """The target rank correlation matrix of the uncertain inputs (order of
    ``[uncertain]``; validated positive definite at load)."""
    return np.array(rank_matrix(scenario), dtype=float).reshape(
        len(scenario.uncertain), len(scenario.uncertain)
    )


def sample_iman_conover(
    draws: np.ndarray, target: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Reorder each column of ``draws`` (replications x inputs) so that the columns' rank
    correlations approach ``target``; every column keeps exactly its values (Iman and
    Conover 1982, with van der Waerden scores)."""
    n, k = draws.shape
    if n < 3 or k < 2 or np.allclose(target, np.eye(k)):
        return draws
    scores = ndtri(np.arange(1, n + 1) / (n + 1))
    s = np.column_stack([rng.permutation(scores) for _ in range(k)])
    try:  # take out the scores' chance correlations first
        e = np.corrcoef(s, rowvar=False)
        s = s @ np.linalg.inv(np.linalg.cholesky(e)).T
    except np.linalg.LinAlgError:  # too few replications for that: skip it
        pass
    t = s @ np.linalg.cholesky(target).T
    out = np.empty_like(draws)
    for j in range(k):
        ranks = np.argsort(np.argsort(t[:, j], kind="stable"), kind="stable")
        out[:, j] = np.sort(draws[:, j], kind="stable")[ranks]
    return out
