"""Sampling per-customer quantities (VMs per customer) from their scenario distributions."""

from __future__ import annotations

import numpy as np

from iaas_sim.scenario.distributions import Discrete, Fixed, Geometric, LogNormal, VmDistribution


def _lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    sigma2 = np.log1p((sd / mean) ** 2)
    return float(np.log(mean) - sigma2 / 2), float(np.sqrt(sigma2))


def sample_vms(spec: VmDistribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` whole VM counts, each at least 1."""
    if isinstance(spec, Fixed):
        return np.full(n, spec.value, dtype=np.int64)
    if isinstance(spec, Geometric):
        return rng.geometric(1.0 / spec.mean, size=n).astype(np.int64)
    if isinstance(spec, LogNormal):
        mu, sigma = _lognormal_params(spec.mean, spec.sd)
        return np.clip(np.rint(rng.lognormal(mu, sigma, size=n)), 1, spec.max).astype(np.int64)
    if isinstance(spec, Discrete):
        weights = np.asarray(spec.weights) / np.sum(spec.weights)  # validated to sum to 1 +- 1e-6
        return rng.choice(np.asarray(spec.values, dtype=np.int64), size=n, p=weights)
    raise TypeError(f"unknown distribution {spec!r}")


def compute_vms_mean(spec: VmDistribution) -> float:
    """Mean VMs per customer of the distribution as sampled (rounding and bounds included)."""
    return compute_vms_moment(spec, 1)


def compute_vms_moment(spec: VmDistribution, power: int) -> float:
    """``E[v^power]`` of the VMs per customer as sampled (rounding and bounds included)."""
    if isinstance(spec, Fixed):
        return float(spec.value) ** power
    if isinstance(spec, Geometric):
        p = 1.0 / spec.mean
        if power == 1:
            return float(spec.mean)
        if power == 2:
            return float((2.0 - p) / (p * p))
        raise ValueError("geometric moments beyond the second are not needed")
    if isinstance(spec, Discrete):
        return float(np.dot(np.asarray(spec.values, dtype=float) ** power, spec.weights))
    from scipy import stats

    mu, sigma = _lognormal_params(spec.mean, spec.sd)
    dist = stats.lognorm(s=sigma, scale=np.exp(mu))
    k = np.arange(1, spec.max + 1)
    # P(round(X) = k) for 1 < k < max; the ends take the clipped tails.
    upper = np.append(dist.cdf(k[:-1] + 0.5), 1.0)
    lower = np.insert(dist.cdf(k[1:] - 0.5), 0, 0.0)
    return float(np.dot(k.astype(float) ** power, upper - lower))
