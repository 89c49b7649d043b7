"""Shared set-up of the pooling validation tests: small books, months in a row."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from iaas_sim.core.ar1 import sample_common_shock
from iaas_sim.core.pooling import Book, Classes, MonthPool, Settings, sample_month_pool

FLAT = np.ones((1, 168))
HOURS = 720


def one_class(cv: float, phi: float) -> Classes:
    return Classes(np.array([0]), np.array([cv]), np.array([phi]))


def make_book(
    n: int,
    rng: np.random.Generator,
    vms: float | np.ndarray = 1.0,
    start: np.ndarray | None = None,
    end: np.ndarray | None = None,
    group: np.ndarray | None = None,
    klass: np.ndarray | None = None,
) -> Book:
    return Book(
        vms=np.broadcast_to(np.asarray(vms, dtype=float), (n,)).copy(),
        klass=np.zeros(n, dtype=np.int64) if klass is None else klass,
        state=rng.standard_normal(n),
        held=np.full(n, -1, dtype=np.int64),
        start=np.zeros(n, dtype=np.int64) if start is None else start,
        end=np.full(n, 10**9, dtype=np.int64) if end is None else end,
        group=np.zeros(n, dtype=np.int64) if group is None else group,
    )


def run_months(
    book: Book,
    classes: Classes,
    modes: list[str],
    rng: np.random.Generator,
    shapes: np.ndarray = FLAT,
    capacity: float = 1e12,
    n_groups: int = 1,
    correlation: float = 0.0,
    common_phi: float = 0.9,
    hours: int = HOURS,
) -> list[MonthPool]:
    """Pool consecutive months (one mode per month), carrying every customer's state (or
    the cohort holding it) and the common shock's state, as the engine does; each month
    pools the customers active in it."""
    state, held, cohorts = book.state.copy(), book.held.copy(), None
    shock_state = float(rng.standard_normal())
    pools = []
    for m, mode in enumerate(modes):
        t0 = m * hours
        active = np.flatnonzero((book.start < t0 + hours) & (book.end > t0))
        shock = None
        if correlation > 0:
            shock, shock_state = sample_common_shock(common_phi, shock_state, hours, rng)
        month = replace(
            book,
            vms=book.vms[active],
            klass=book.klass[active],
            state=state[active],
            held=held[active],
            start=book.start[active],
            end=book.end[active],
            group=book.group[active],
        )
        pool = sample_month_pool(
            month,
            classes,
            t0,
            np.full(hours, capacity),
            0,
            shapes,
            n_groups,
            rng,
            settings=Settings(mode=mode, correlation=correlation, reference_customers=64),
            shock=shock,
            cohorts=cohorts,
        )
        state[active] = pool.new_state
        held[active] = -1 if pool.held is None else pool.held
        cohorts = pool.cohorts
        pools.append(pool)
    return pools


def expected_demand(book: Book, classes: Classes, shapes: np.ndarray, n_hours: int) -> np.ndarray:
    """Mean hourly demand of the book over hours ``[0, n_hours)``, customer by customer."""
    t = np.arange(n_hours)
    active = (t >= book.start[:, None]) & (t < book.end[:, None])
    level = shapes[classes.profile[book.klass]][:, t % 168]
    return np.asarray((book.vms[:, None] * level * active).sum(axis=0))
