"""New customers: who they are (segment, channel, size, SLA tier, partner tier, marketplace
purchase, lifetime), drawn in batches with numpy from the named streams."""

from __future__ import annotations

import math

import numpy as np

from iaas_sim.core.billing import MAX_PARTNER_TYPES, compute_group
from iaas_sim.core.calendar import HOURS_PER_MONTH
from iaas_sim.core.distributions import sample_vms
from iaas_sim.core.pooling import Classes
from iaas_sim.core.profiles import PROFILE_TABLE
from iaas_sim.scenario.market import Segment
from iaas_sim.scenario.model import Scenario
from iaas_sim.scenario.types import CHANNELS, PROFILES

PARTNERS = CHANNELS.index("partners")


class DemandClasses:
    """The demand classes met so far in a run, (profile, cv, autocorrelation) each numbered
    once: a segment whose usage an event changes starts a new class, while the customers
    already signed keep theirs."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, float, float]] = []

    def index_of(self, segment: Segment | None) -> int:
        """The class of a segment's customers (``None``: partners' own, always-on use)."""
        name = "always_on" if segment is None else segment.usage_profile
        cv, phi = PROFILE_TABLE[name].cv, PROFILE_TABLE[name].autocorrelation
        if segment is not None and segment.usage_cv is not None:
            cv = segment.usage_cv
        if segment is not None and segment.usage_autocorrelation is not None:
            phi = segment.usage_autocorrelation
        key = (PROFILES.index(name), cv, phi)
        if key not in self.rows:
            self.rows.append(key)
        return self.rows.index(key)

    def table(self) -> Classes:
        profile, cv, phi = zip(*self.rows, strict=True) if self.rows else ((), (), ())
        return Classes(np.array(profile, dtype=np.int64), np.array(cv, dtype=float), np.array(phi))


class ArrivalFactory:
    """Draws the attributes of batches of new customers."""

    def __init__(
        self,
        scenario: Scenario,
        streams: dict[str, np.random.Generator],
        classes: DemandClasses,
    ) -> None:
        self.sc = scenario
        self.own_use_class = classes.index_of(None)
        self.rng = streams
        segs = scenario.segments
        self.profile = np.array([PROFILES.index(s.usage_profile) for s in segs])
        self.klass = np.array([classes.index_of(s) for s in segs], dtype=np.int64)
        # Monthly churn probability c -> exponential lifetime with hazard -ln(1 - c).
        self.hazard = np.array([-np.log1p(-min(s.churn_per_month, 1 - 1e-12)) for s in segs])
        self.sla_cdf = np.cumsum([s.sla_mix.as_tuple() for s in segs], axis=1)
        self.uptake = np.array([s.reserved_uptake for s in segs])
        default = scenario.marketplace.attach_rate
        self.attach = np.array(
            [
                default if s.marketplace_attach_rate is None else s.marketplace_attach_rate
                for s in segs
            ]
        )
        types = scenario.channels.partners.types
        self.is_isv = np.zeros(MAX_PARTNER_TYPES, dtype=bool)
        self.is_isv[: len(types)] = [t.kind == "isv" for t in types]
        self.term_hours = compute_term_hours(scenario.reserved.term_months)

    def sample_sizes(self, segment: int, n: int) -> np.ndarray:
        return sample_vms(self.sc.segments[segment].vms_per_customer, self.rng["sizes"], n)

    def make(
        self,
        segment: np.ndarray,
        channel: int,
        times: np.ndarray,
        vms: np.ndarray,
        partners: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """A pending batch (customers not yet admitted) arriving at ``times`` (hours);
        ``partners`` gives the partner id, type and tier of partner-channel customers."""
        n = len(times)
        sla = pick_category(self.sla_cdf[segment], self.rng["sla"].random(n))
        none = np.full(n, -1, dtype=np.int64)
        if partners is None:
            partner, ptype, tier = none, none + 1, none + 1
            isv = np.zeros(n, dtype=bool)
        else:
            partner, ptype, tier = partners
            isv = self.is_isv[ptype]
        start = np.floor(times).astype(np.int64)
        life_hours = compute_lifetime_hours(
            self.rng["churn"].exponential(size=n), self.hazard[segment]
        )
        # Customers of ISV partners run the ISV's solution, sold on the marketplace.
        attached = (self.rng["marketplace"].random(n) < self.attach[segment]) | isv
        reserved = self.rng["reservations"].random(n) < self.uptake[segment]
        # A reservation commits the customer to the end of its current term.
        term = self.term_hours
        life_hours = np.where(reserved, -(-life_hours // term) * term, life_hours)
        channels = np.full(n, channel, dtype=np.int64)
        return {
            "time": np.asarray(times, dtype=float),
            "segment": segment.astype(np.int64),
            "channel": channels,
            "sla": sla,
            "partner_tier": tier,
            "partner": partner,
            "ptype": ptype,
            "profile": self.profile[segment],
            "vms": vms.astype(np.float64),
            "klass": self.klass[segment],
            "state": self.rng["usage"].standard_normal(n),
            "held": np.full(n, -1, dtype=np.int64),
            "start": start,
            "end": start + life_hours,
            "attached": attached,
            "reserved": reserved,
            "group": compute_group(channels, sla, tier, reserved, ptype),
        }

    def make_own_use(
        self, partner: np.ndarray, ptype: np.ndarray, tier: np.ndarray, vms: float, time: float
    ) -> dict[str, np.ndarray]:
        """Partners running VMs for themselves: always-on customers of the partner channel at
        the 99.7 % tier who never leave, billed at their own discount."""
        n = len(partner)
        always_on = PROFILES.index("always_on")
        start = np.full(n, math.floor(time), dtype=np.int64)
        zeros = np.zeros(n, dtype=np.int64)
        no = np.zeros(n, dtype=bool)
        channels = np.full(n, PARTNERS, dtype=np.int64)
        return {
            "time": np.full(n, float(time)),
            "segment": zeros - 1,
            "channel": channels,
            "sla": zeros,
            "partner_tier": tier,
            "partner": partner,
            "ptype": ptype,
            "profile": zeros + always_on,
            "vms": np.full(n, float(vms)),
            "klass": np.full(n, self.own_use_class, dtype=np.int64),
            "state": self.rng["usage"].standard_normal(n),
            "held": np.full(n, -1, dtype=np.int64),
            "start": start,
            "end": start + NEVER_HOURS,
            "attached": no,
            "reserved": no,
            "group": compute_group(channels, zeros, tier, no, ptype),
        }


def compute_term_hours(term_months: int) -> int:
    """A reservation term in whole hours (average months)."""
    return round(term_months * HOURS_PER_MONTH)


NEVER_HOURS = 2**40
"""A lifetime that outlasts any run (about 125,000 years)."""


def compute_lifetime_hours(draws: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """Whole hours a customer stays: ``Exp(1) / hazard`` months, at least one hour, capped
    at ``NEVER_HOURS`` (a zero or tiny hazard never churns within a run)."""
    months = np.full(len(draws), np.inf)
    churning = hazard > 0
    with np.errstate(over="ignore"):
        months[churning] = draws[churning] / hazard[churning]
        hours = np.ceil(np.minimum(months * HOURS_PER_MONTH, NEVER_HOURS))
    return np.maximum(hours, 1).astype(np.int64)


def pick_category(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of the category each uniform ``u`` falls in, row by row of ``cdf``."""
    if len(u) == 0:
        return np.zeros(0, dtype=np.int64)
    picked = np.minimum((u[:, None] >= cdf).sum(axis=1), cdf.shape[1] - 1)
    return np.asarray(picked, dtype=np.int64)


def concat(batches: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One batch from several (empty batches allowed)."""
    keys = batches[0].keys()
    return {k: np.concatenate([b[k] for b in batches]) for k in keys}
