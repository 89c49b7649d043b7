"""Uncertain inputs: each distribution draws what it says (moments against the analytic
ones, within four standard errors), Iman-Conover gives the rank correlation asked for
without touching the marginals, and runs use and report what they drew."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from scipy import stats

import iaas_sim as sim
from iaas_sim.core.uncertain import compute_quantiles, sample_iman_conover
from iaas_sim.scenario.uncertain import (
    BetaInput,
    DiscreteInput,
    LogNormalInput,
    NormalInput,
    TriangularInput,
    UniformInput,
)
from tests.conftest import ROOT

N = 200_000
CASES = [
    (UniformInput(dist="uniform", low=0.03, high=0.08), stats.uniform(0.03, 0.05)),
    (
        TriangularInput(dist="triangular", low=1.0, mode=2.0, high=5.0),
        stats.triang(0.25, loc=1.0, scale=4.0),
    ),
    (NormalInput(dist="normal", mean=10.0, sd=2.0), stats.norm(10.0, 2.0)),
    (
        NormalInput(dist="normal", mean=0.02, sd=0.01, low=0.0, high=0.03),
        stats.truncnorm(-2.0, 1.0, loc=0.02, scale=0.01),
    ),
    (
        LogNormalInput(dist="lognormal", mean=30000.0, sd=9000.0),
        stats.lognorm(s=np.sqrt(np.log1p(0.09)), scale=30000.0 * np.exp(-np.log1p(0.09) / 2)),
    ),
    (
        BetaInput(dist="beta", alpha=2.0, beta=5.0, low=0.2, high=0.8),
        stats.beta(2.0, 5.0, loc=0.2, scale=0.6),
    ),
]


@pytest.mark.parametrize(("dist", "truth"), CASES, ids=lambda c: getattr(c, "dist", ""))
def test_draws_have_the_distributions_moments(dist: Any, truth: Any) -> None:
    x = compute_quantiles(dist, np.random.default_rng(0).random(N))
    mean, sd = truth.mean(), truth.std()
    assert x.mean() == pytest.approx(mean, abs=4 * sd / np.sqrt(N))
    # The sample variance's standard error: sd^2 sqrt((kurtosis - 1) / N).
    kurt = truth.stats(moments="k") + 3
    assert x.var() == pytest.approx(sd**2, abs=4 * sd**2 * np.sqrt((kurt - 1) / N))
    lo, hi = truth.support()
    assert x.min() >= lo - 1e-12
    assert x.max() <= hi + 1e-12


def test_discrete_draws_each_value_with_its_weight() -> None:
    dist = DiscreteInput(dist="discrete", values=[0.1, 0.2, 0.3], weights=[0.2, 0.5, 0.3])
    x = compute_quantiles(dist, np.random.default_rng(1).random(N))
    for value, weight in zip(dist.values, dist.weights, strict=True):
        share = float(np.mean(x == value))
        assert share == pytest.approx(weight, abs=4 * np.sqrt(weight * (1 - weight) / N))


@pytest.mark.parametrize("rank", [-0.7, 0.3, 0.9])
def test_iman_conover_gives_the_rank_correlation_and_keeps_the_marginals(rank: float) -> None:
    rng = np.random.default_rng(2)
    n = 2000
    draws = np.column_stack([rng.lognormal(0, 1, n), rng.uniform(0, 1, n), rng.normal(0, 1, n)])
    target = np.array([[1.0, rank, 0.0], [rank, 1.0, 0.0], [0.0, 0.0, 1.0]])
    mixed = sample_iman_conover(draws, target, np.random.default_rng(3))
    for j in range(3):
        np.testing.assert_array_equal(np.sort(mixed[:, j]), np.sort(draws[:, j]))
    rho = stats.spearmanr(mixed).statistic
    # Spearman's standard error is about (1 - rho^2) / sqrt(n - 1), at most 1 / sqrt(n).
    assert rho[0, 1] == pytest.approx(rank, abs=4 / np.sqrt(n))
    assert rho[0, 2] == pytest.approx(0.0, abs=4 / np.sqrt(n))


def uncertain_minimal(**extra: Any) -> dict[str, Any]:
    import tomllib

    data = tomllib.loads((ROOT / "scenarios/minimal.toml").read_text())
    data["uncertain"] = {
        "pricing.vm_hour_price": {"dist": "triangular", "low": 0.04, "mode": 0.05, "high": 0.07},
        "segments[0].bass_q_per_year": {"dist": "uniform", "low": 0.2, "high": 0.6},
        "capacity.initial_servers": {"dist": "normal", "mean": 10, "sd": 3, "low": 0},
    }
    data.update(extra)
    return data


def test_a_run_draws_its_inputs_from_its_seed_and_reports_them() -> None:
    sc = sim.load_scenario(uncertain_minimal())
    a, b, c = (sim.simulate(sc, seed=s) for s in (5, 5, 6))
    assert a.metadata["inputs"] == b.metadata["inputs"] != c.metadata["inputs"]
    inputs = a.metadata["inputs"]
    assert set(inputs) == set(sc.uncertain)
    assert isinstance(inputs["capacity.initial_servers"], int)
    assert 0.04 <= inputs["pricing.vm_hour_price"] <= 0.07
    # The run is the scenario with those values.
    fixed = sim.simulate(sc.override({**inputs, "uncertain": {}}), seed=5)
    assert fixed.metrics["total_revenue"] == a.metrics["total_revenue"]


def test_monte_carlo_reports_inputs_identical_whatever_the_workers() -> None:
    data = uncertain_minimal(
        correlations=[
            {"between": ["pricing.vm_hour_price", "segments[0].bass_q_per_year"], "rank": -0.8}
        ],
        run={"start": "2024-01-01", "months": 24, "seed": 1},
    )
    sc = sim.load_scenario(data)
    one = sim.monte_carlo(sc, n_replications=40, seed=9, n_jobs=1)
    two = sim.monte_carlo(sc, n_replications=40, seed=9, n_jobs=2)
    assert one.metrics.equals(two.metrics)
    m = one.metrics
    assert {"pricing.vm_hour_price", "capacity.initial_servers"} <= set(m.columns)
    rho = stats.spearmanr(m["pricing.vm_hour_price"], m["segments[0].bass_q_per_year"])
    assert rho.statistic < -0.5


def test_without_correlations_monte_carlo_draws_what_each_replication_would() -> None:
    sc = sim.load_scenario(uncertain_minimal(run={"start": "2024-01-01", "months": 6, "seed": 1}))
    mc = sim.monte_carlo(sc, n_replications=3, seed=4, n_jobs=1)
    seeds = np.random.SeedSequence(4).spawn(3)
    for i, seed in enumerate(seeds):
        alone = sim.simulate(sc, seed=seed).metadata["inputs"]
        row = mc.metrics.iloc[i]
        assert {k: row[k] for k in alone} == pytest.approx(alone)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"segments[0].churn_per_month": {"dist": "normal", "mean": 0.02, "sd": 0.01}},
            "the normal distribution can take -0.06; the key refuses it: must be >= 0.0",
        ),
        ({"pricing.vm_hour_pric": {"dist": "uniform", "low": 1, "high": 2}}, "did you mean"),
        (
            {"segments[0].usage_profile": {"dist": "uniform", "low": 1, "high": 2}},
            "not a number of the scenario",
        ),
        ({"run.months": {"dist": "uniform", "low": 12, "high": 24}}, "'run' cannot be uncertain"),
        ({"pricing.vm_hour_price": {"dist": "uniform", "low": 2, "high": 1}}, "low must be below"),
        ({"pricing.vm_hour_price": {"dist": "beta", "alpha": 0, "beta": 1}}, "must be >= 0.001"),
    ],
)
def test_bad_uncertain_inputs_are_refused_by_path(change: dict[str, Any], message: str) -> None:
    data = uncertain_minimal()
    data["uncertain"] = {**data["uncertain"], **change}
    with pytest.raises(sim.ScenarioError, match="uncertain") as info:
        sim.load_scenario(copy.deepcopy(data))
    assert message in str(info.value)


def test_inconsistent_correlations_are_refused() -> None:
    names = ["pricing.vm_hour_price", "segments[0].bass_q_per_year", "capacity.initial_servers"]
    pairs = [(0, 1), (1, 2), (0, 2)]
    data = uncertain_minimal(
        correlations=[{"between": [names[i], names[j]], "rank": -0.9} for i, j in pairs]
    )
    with pytest.raises(sim.ScenarioError, match="not positive definite"):
        sim.load_scenario(data)
    data["correlations"] = [{"between": [names[0], "nope"], "rank": 0.5}]
    with pytest.raises(sim.ScenarioError, match="'nope' is not in"):
        sim.load_scenario(data)


def test_uncertain_inputs_work_with_dated_events() -> None:
    sc = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml").override(
        {
            "run.months": 27,
            "uncertain": {"pricing.vm_hour_price": {"dist": "uniform", "low": 0.04, "high": 0.05}},
        }
    )
    res = sim.simulate(sc, seed=1)
    assert 0.04 <= res.metadata["inputs"]["pricing.vm_hour_price"] <= 0.05
    assert "pivot" in " ".join(res.monthly["events"])


def test_a_scenario_error_survives_a_trip_through_a_worker_process() -> None:
    import pickle

    from iaas_sim.scenario import Problem

    err = sim.ScenarioError([Problem("a.b", "bad", 3, True)], "src")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err)
    assert back.problems == err.problems


def test_iman_conover_with_fewer_replications_than_inputs_does_not_fail() -> None:
    rng = np.random.default_rng(0)
    target = np.full((4, 4), 0.3) + 0.7 * np.eye(4)
    for n in (3, 4, 5):
        draws = rng.random((n, 4))
        out = sample_iman_conover(draws, target, np.random.default_rng(n))
        for j in range(4):
            np.testing.assert_array_equal(np.sort(out[:, j]), np.sort(draws[:, j]))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"segments.web_customers.churn_per_month": None}, "the same key as"),
        ({"pricing..vm_hour_price": None}, "cannot read this path"),
    ],
)
def test_one_key_spelled_twice_or_a_bad_path_is_refused(
    extra: dict[str, Any], message: str
) -> None:
    data = uncertain_minimal()
    name = data["segments"][0]["name"]
    dist = {"dist": "uniform", "low": 0.01, "high": 0.02}
    data["uncertain"]["segments[0].churn_per_month"] = dist
    for path in extra:
        data["uncertain"][path.replace("web_customers", name)] = dist
    with pytest.raises(sim.ScenarioError, match=message):
        sim.load_scenario(data)


def test_every_input_at_its_high_end_together_is_checked() -> None:
    data = uncertain_minimal()
    data["uncertain"] = {
        "capacity.thresholds.low": {"dist": "uniform", "low": 0.50, "high": 0.74},
        "capacity.thresholds.target": {"dist": "uniform", "low": 0.56, "high": 0.74},
    }
    with pytest.raises(sim.ScenarioError, match="at its high end together"):
        sim.load_scenario(data)


def test_draws_that_clash_say_so_with_their_values() -> None:
    data = uncertain_minimal()
    data["uncertain"] = {
        "capacity.thresholds.low": {"dist": "uniform", "low": 0.50, "high": 0.74},
        "capacity.thresholds.target": {"dist": "uniform", "low": 0.56, "high": 0.84},
    }
    sc = sim.load_scenario(data)  # each alone fits, and both ends together
    with pytest.raises(sim.ScenarioError, match="are refused together"):
        sim.simulate(
            sc, inputs={"capacity.thresholds.low": 0.73, "capacity.thresholds.target": 0.57}
        )


def test_sweeps_keep_correlations_and_each_inputs_own_draws() -> None:
    data = uncertain_minimal(
        correlations=[
            {"between": ["pricing.vm_hour_price", "segments[0].bass_q_per_year"], "rank": 0.8}
        ],
        run={"start": "2024-01-01", "months": 3, "seed": 1},
    )
    sc = sim.load_scenario(data)
    table = sim.sweep(
        sc, {"capacity.initial_servers": [10, 20]}, n_replications=40, seed=2, n_jobs=1
    )
    first = table[table["point"] == 0]
    rho = stats.spearmanr(first["pricing.vm_hour_price"], first["segments[0].bass_q_per_year"])
    assert rho.statistic > 0.6
    mc = sim.monte_carlo(sc, n_replications=40, seed=2, n_jobs=1)
    # Pinning capacity.initial_servers leaves the other inputs' draws as they were.
    np.testing.assert_allclose(
        first["pricing.vm_hour_price"].to_numpy(), mc.metrics["pricing.vm_hour_price"].to_numpy()
    )
