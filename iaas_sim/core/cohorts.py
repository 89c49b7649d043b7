"""Cohort pooling: the sum ``y = sum v_i e_i`` of a cohort's own fluctuations (customers of
one billing group and demand class, each ``e_i`` a unit-variance AR(1) with the class's
coefficient ``phi``) drawn directly in distribution, at a cost that does not grow with the
number of customers.

* Customers there all month: ``y`` is a Gaussian AR(1) with variance ``W = sum v_i^2``.
* A newcomer adds a stationary draw (variance ``v^2``) the hour it arrives.
* A leaving customer's share is removed by a draw conditional on the current aggregate:
  given ``y``, the share of a subset of weight ``w`` is ``N(w/W y, w (1 - w/W))``.
Hour by hour this is ``y_k = alpha_k y_{k-1} + u_k`` with ``alpha_k = phi (1 - w_out/W)``
and ``Var u_k = W_k - alpha_k^2 W_{k-1}`` (so ``Var y_k = W_k`` exactly), computed by a
prefix scan. Between months a cohort is carried as its aggregate (``CohortState``), never
customer by customer; customers who change cohort (a partner's promotion moves its
customers' billing group) take their share by the same conditional draw, and individual
states are drawn from the aggregates only when a month is pooled per customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.core.ar1 import compute_affine_scan


@dataclass(frozen=True)
class CohortState:
    """The cohorts' aggregates after the last month pooled by cohort, over the customers who
    go on into the next month."""

    code: np.ndarray
    """Cohort codes (billing group x number of classes + class), increasing."""
    value: np.ndarray
    """``sum v_i e_i`` at the month's last hour."""
    weight: np.ndarray
    """``sum v_i^2``."""

    def lookup(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Value and weight of each of ``codes`` (0 for a cohort not held)."""
        at = np.minimum(np.searchsorted(self.code, codes), max(len(self.code) - 1, 0))
        found = (self.code[at] == codes) if len(self.code) else np.zeros(len(codes), bool)
        value = np.where(found, self.value[at] if len(self.code) else 0.0, 0.0)
        weight = np.where(found, self.weight[at] if len(self.code) else 0.0, 0.0)
        return value, weight


@dataclass(frozen=True)
class Moving:
    """The customers who arrive during the month (or at its first hour) or leave by its end:
    their indices, cohorts, and first and past-last active hours in the month."""

    idx: np.ndarray
    ci: np.ndarray
    s: np.ndarray
    d: np.ndarray
    new: np.ndarray
    """Arrived at or after the month's first hour (not there the hour before)."""
    at_end: np.ndarray
    """Leave exactly at the month's end (there at its last hour, not in the next month)."""
    n_hours: int

    @staticmethod
    def of(
        start: np.ndarray, end: np.ndarray, ci: np.ndarray, month_start: int, n_hours: int
    ) -> Moving:
        month_end = month_start + n_hours
        new = start >= month_start
        idx = np.flatnonzero(new | (end <= month_end))
        e = end[idx]
        return Moving(
            idx,
            ci[idx],
            np.clip(start[idx] - month_start, 0, n_hours),
            np.clip(e - month_start, 0, n_hours),
            new[idx],
            e == month_end,
            n_hours,
        )

    def active_sums(self, total: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
        """Cohorts x hours: sum of ``weight`` over the customers active at each hour, from
        its ``total`` over all of them."""
        if not len(self.idx):
            return np.repeat(np.asarray(total, dtype=float)[:, None], self.n_hours, axis=1)
        w = weight[self.idx]
        base = self.ci * (self.n_hours + 1)
        size = k * (self.n_hours + 1)
        steps = np.bincount(base + self.s, weights=w, minlength=size).astype(float, copy=False)
        steps -= np.bincount(base + self.d, weights=w, minlength=size)
        steps = steps.reshape(k, self.n_hours + 1)
        steps[:, 0] += total - np.bincount(self.ci, weights=w, minlength=k)
        return np.cumsum(steps, axis=1)[:, : self.n_hours]

    def per_hour(
        self, mask: np.ndarray, at: np.ndarray, weight: np.ndarray | None, k: int
    ) -> np.ndarray:
        """Cohorts x hours: sum of ``weight`` (or count) of the moving customers ``mask``
        at their hour ``at``."""
        flat = self.ci[mask] * self.n_hours + at[mask]
        w = None if weight is None else weight[mask]
        out = np.bincount(flat, weights=w, minlength=k * self.n_hours)
        return out.reshape(k, self.n_hours).astype(float, copy=False)


def sample_cohort_start(
    vms: np.ndarray,
    state: np.ndarray,
    start: np.ndarray,
    month_start: int,
    held: np.ndarray,
    code: np.ndarray,
    ci: np.ndarray,
    occupied: np.ndarray,
    cohorts: CohortState | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each cohort's ``sum v_i e_i`` at the hour before the month, over the customers there
    then: from their own states, or from the cohorts that held them last month (customers
    who changed cohort take their share by a conditional draw)."""
    k = len(occupied)
    v = vms
    # Customers there the hour before and holding their own state (newcomers hold one too,
    # but they are not there yet).
    own = np.flatnonzero(held < 0)
    own = own[start[own] < month_start]
    x0 = np.bincount(ci[own], weights=v[own] * state[own], minlength=k).astype(float)
    if cohorts is None or not len(cohorts.code):
        return x0
    # Every cohort held last month goes on as it was (its members who left at the month's
    # end were taken out then) ...
    x0 += cohorts.lookup(occupied)[0]
    movers = np.flatnonzero(held != code)
    movers = movers[held[movers] >= 0]
    if not len(movers):
        return x0
    # ... except that its members who changed cohort take their share: each former cohort's
    # aggregate is split between its stayers and each mover by independent draws corrected
    # to add up to the aggregate (the exact conditional).
    codes, which = np.unique(held[movers], return_inverse=True)
    total, weight = cohorts.lookup(codes)
    w = v[movers] ** 2
    stay_w = np.maximum(weight - np.bincount(which, weights=w, minlength=len(codes)), 0.0)
    z_move = rng.standard_normal(len(movers)) * np.sqrt(w)
    z_stay = rng.standard_normal(len(codes)) * np.sqrt(stay_w)
    drawn = z_stay + np.bincount(which, weights=z_move, minlength=len(codes))
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(weight > 0, (total - drawn) / weight, 0.0)
    z_move += w * gap[which]
    z_stay += stay_w * gap
    here = np.minimum(np.searchsorted(occupied, codes), k - 1)
    present = occupied[here] == codes
    x0[here[present]] += (z_stay - total)[present]
    np.add.at(x0, ci[movers], z_move)
    return x0


def sample_cohort_paths(
    vms: np.ndarray,
    ci: np.ndarray,
    moving: Moving,
    x0: np.ndarray,
    phi: np.ndarray,
    k: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each cohort's ``y = sum v_i e_i`` over its active customers at each hour (cohorts x
    hours), and its value and weight after the month over the customers who go on."""
    m, n_hours = moving, moving.n_hours
    w_all = np.bincount(ci, weights=vms * vms, minlength=k).astype(float)
    if not len(m.idx):
        # Nobody comes or goes: a plain AR(1) per cohort.
        alpha = np.repeat(phi[:, None], n_hours, axis=1)
        innovation = np.sqrt((1.0 - phi * phi) * w_all)[:, None]
        y = compute_affine_scan(alpha, innovation * rng.standard_normal((k, n_hours)), x0)
        last_w = w_all
    else:
        y, weight = _moving_paths(vms, ci, m, x0, phi, w_all, k, rng)
        last_w = weight[:, -1]
    mw = vms[m.idx] ** 2
    # Those who leave exactly at the month's end take their share with them.
    gone_w = np.bincount(m.ci[m.at_end], weights=mw[m.at_end], minlength=k)
    go_on_w = np.maximum(last_w - gone_w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(last_w > 0, go_on_w / last_w, 0.0)
    spread = np.sqrt(np.maximum(go_on_w * (1.0 - share), 0.0))
    value = share * y[:, -1] + spread * rng.standard_normal(k)
    return y, value, go_on_w


def _moving_paths(
    vms: np.ndarray,
    ci: np.ndarray,
    m: Moving,
    x0: np.ndarray,
    phi: np.ndarray,
    w_all: np.ndarray,
    k: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The paths of cohorts some customers join or leave during the month, and their
    weights hour by hour."""
    n_hours = m.n_hours
    count_all = np.bincount(ci, minlength=k)
    mw = vms[m.idx] ** 2
    new = m.new
    leaving = m.d < n_hours
    count0 = count_all - np.bincount(m.ci[new], minlength=k)
    w0 = w_all - np.bincount(m.ci[new], weights=mw[new], minlength=k)
    count = count0[:, None] + np.cumsum(
        m.per_hour(new, m.s, None, k) - m.per_hour(leaving, m.d, None, k), axis=1
    )
    w_out = m.per_hour(leaving, m.d, mw, k)
    weight = w0[:, None] + np.cumsum(m.per_hour(new, m.s, mw, k) - w_out, axis=1)
    weight = np.where(count > 0, np.maximum(weight, 0.0), 0.0)
    w_prev = np.concatenate([w0[:, None], weight[:, :-1]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.where(w_prev > 0, np.clip(1.0 - w_out / w_prev, 0.0, 1.0), 0.0)
    alpha = phi[:, None] * keep
    innovation = np.sqrt(np.maximum(weight - alpha * alpha * w_prev, 0.0))
    y = compute_affine_scan(alpha, innovation * rng.standard_normal((k, n_hours)), x0)
    return np.where(count > 0, y, 0.0), weight


def sample_held_states(
    vms: np.ndarray,
    held: np.ndarray,
    state: np.ndarray,
    cohorts: CohortState,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each customer's own state drawn from the aggregate of the cohort that held it: its
    share ``v_i / W`` of the aggregate plus a residual orthogonal to it (the exact
    conditional given the aggregate). Customers not held (``held < 0``) keep ``state``."""
    mine = np.flatnonzero(held >= 0)
    if not len(mine):
        return state
    codes, which = np.unique(held[mine], return_inverse=True)
    total, _ = cohorts.lookup(codes)
    v = vms[mine]
    weight = np.bincount(which, weights=v * v, minlength=len(codes))
    zeta = rng.standard_normal(len(mine))
    resid = np.bincount(which, weights=v * zeta, minlength=len(codes))
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.where(weight > 0, (total - resid) / weight, 0.0)
    out = state.copy()
    out[mine] = zeta + v * coef[which]
    return out
