"""The two pooling modes give the same statistics: for the same book (two demand classes
with their weekly shapes, three billing groups, customers coming and going), 40 books'
worth of months pooled per customer and by cohort agree on mean and peak utilisation,
hours over capacity, the variance and lag-1 autocorrelation of demand around its
expected shape, and the sum of individual peaks; each within four standard errors of the
difference."""

from __future__ import annotations

import numpy as np
import pytest

from iaas_sim.core.pooling import Classes
from iaas_sim.core.profiles import profile_matrix
from tests.validation.pooling_setup import HOURS, expected_demand, make_book, run_months

N, MONTHS, REPS = 400, 3, 40
CLASSES = Classes(np.array([0, 1]), np.array([0.3, 0.5]), np.array([0.8, 0.7]))
SHAPES = profile_matrix()


def _book_shape(churn: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(42)
    if churn:
        start = rng.integers(-HOURS, MONTHS * HOURS, N)
        end = start + rng.exponential(2 * HOURS, N).astype(np.int64) + 1
    else:
        start, end = np.zeros(N, dtype=np.int64), np.full(N, 10**9, dtype=np.int64)
    return {
        "vms": rng.geometric(0.4, N).astype(float),
        "klass": rng.integers(0, 2, N),
        "group": rng.integers(0, 3, N),
        "start": start,
        "end": end,
    }


def _statistics(mode: str, churn: bool) -> np.ndarray:
    """Per replication: mean utilisation, peak demand over capacity, share of hours over
    capacity, residual variance, residual lag-1 autocorrelation, individual peak sum."""
    shape = _book_shape(churn)
    rng0 = np.random.default_rng(0)
    expected = expected_demand(make_book(N, rng0, **shape), CLASSES, SHAPES, MONTHS * HOURS)
    capacity = float(np.quantile(expected, 0.97))
    rows = []
    for r in range(REPS):
        rng = np.random.default_rng([r, 1 if mode == "cohort" else 2])
        pools = run_months(
            make_book(N, rng, **shape),
            CLASSES,
            [mode] * MONTHS,
            rng,
            shapes=SHAPES,
            capacity=capacity,
            n_groups=3,
        )
        demand = np.concatenate([p.demand for p in pools])
        x = demand - expected
        x = x - x.mean()
        rows.append(
            [
                sum(p.served_vm_hours for p in pools) / (capacity * len(demand)),
                demand.max() / capacity,
                float(np.mean(demand > capacity)),
                float(x.var()),
                float(np.dot(x[:-1], x[1:]) / np.dot(x, x)),
                sum(p.individual_peak_sum for p in pools) / MONTHS,
            ]
        )
    return np.array(rows)


@pytest.mark.parametrize("churn", [False, True], ids=["steady", "churn"])
def test_cohort_and_per_customer_agree(churn: bool) -> None:
    a, b = _statistics("per_customer", churn), _statistics("cohort", churn)
    se = np.sqrt(a.var(axis=0, ddof=1) / REPS + b.var(axis=0, ddof=1) / REPS)
    names = ["utilisation", "peak", "hours over", "variance", "lag-1", "peaks"]
    # Individual peaks of customers who arrive and leave in the same month are an upper
    # bound in cohort mode: compare the peaks of the steady book only.
    checked = range(6) if not churn else range(5)
    for k in checked:
        assert abs(a[:, k].mean() - b[:, k].mean()) <= 4 * se[k] + 1e-12, (
            f"{names[k]}: per customer {a[:, k].mean():.6g}, cohort {b[:, k].mean():.6g}, "
            f"se {se[k]:.3g}"
        )
    # The capacity is tight enough for the comparison of overflow to mean something.
    assert 0.001 < a[:, 2].mean() < 0.2
