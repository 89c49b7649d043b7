"""Channels stage: where each new customer's demand goes.

Each channel is one small router: it takes the customers of one segment that came to it
this month (their sizes) and says where they go: bought on the spot (web), handed to a
partner, queued as leads for the sales force, or lost to the market. ``ROUTERS`` lists them
in the order their sizes are drawn. The partner channel's reach and the sales force's
pipeline are the two pieces of state the channels keep; each is a pure function here."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from iaas_sim.scenario.types import CHANNELS

WEB, DIRECT, PARTNERS = (CHANNELS.index(c) for c in CHANNELS)


@dataclass(frozen=True)
class SegmentDemand:
    """The customers of one segment coming to one channel this month."""

    segment: int
    sizes: np.ndarray
    """VMs of each customer."""
    mix: np.ndarray
    """The segment's channel mix (web, direct sales, partners)."""
    max_web_vms: float
    """The biggest customer the web shop serves."""


@dataclass(frozen=True)
class Routed:
    """Sizes of the customers sent to each destination channel, and those lost."""

    to: dict[int, np.ndarray] = field(default_factory=dict)
    missed: int = 0


def route_web(d: SegmentDemand) -> Routed:
    """Web customers buy on the spot; those too big for the web shop go to a partner, else
    to sales, else elsewhere (missed). They keep their size."""
    big = d.sizes > d.max_web_vms
    to = {WEB: d.sizes[~big]}
    if d.mix[PARTNERS] > 0:
        to[PARTNERS] = d.sizes[big]
    elif d.mix[DIRECT] > 0:
        to[DIRECT] = d.sizes[big]
    else:
        return Routed(to, int(big.sum()))
    return Routed(to)


def route_partners(d: SegmentDemand) -> Routed:
    """Partner-channel customers go to a partner (within the partners' reach, later)."""
    return Routed({PARTNERS: d.sizes})


def route_direct(d: SegmentDemand) -> Routed:
    """Direct-sales customers become leads waiting for a rep."""
    return Routed({DIRECT: d.sizes})


ROUTERS: tuple[tuple[int, Callable[[SegmentDemand], Routed]], ...] = (
    (WEB, route_web),
    (PARTNERS, route_partners),
    (DIRECT, route_direct),
)
"""Channel routers, in the order each segment's sizes are drawn."""


@dataclass(frozen=True)
class Reach:
    """Partner-channel customers kept within the active partners' reach."""

    keep: np.ndarray | None
    """Which customers are kept (None: all)."""
    ptype: np.ndarray
    """Partner type of each customer kept."""


def sample_reach(
    n_customers: int,
    active_by_type: np.ndarray,
    customers_per_active_partner: np.ndarray,
    capped: bool,
    rng: np.random.Generator,
) -> Reach:
    """Partner-channel demand within the active partners' reach (when ``capped``), each
    kept customer given to a type in proportion to its reach. Without any reach at all
    nobody is kept."""
    reach = active_by_type * customers_per_active_partner
    total = float(reach.sum())
    keep = None
    kept = n_customers
    if n_customers > total and (capped or total == 0):
        # Active partners can only bring so many customers; the rest buy elsewhere.
        keep = rng.random(n_customers) < total / n_customers
        kept = int(keep.sum())
    ptype = np.zeros(kept, dtype=np.int64)
    if kept:
        ptype = rng.choice(len(reach), size=kept, p=reach / total)
    return Reach(keep, ptype)


@dataclass(frozen=True)
class Leads:
    """Leads waiting for a rep, first in first out."""

    month: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Month each lead came."""
    segment: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, month: int, segment: np.ndarray, vms: np.ndarray) -> Leads:
        return Leads(
            np.concatenate([self.month, np.full(len(segment), month)]).astype(np.int64),
            np.concatenate([self.segment, segment]).astype(np.int64),
            np.concatenate([self.vms, vms]).astype(np.int64),
        )


@dataclass(frozen=True)
class SalesMonth:
    waiting: Leads
    """Leads still waiting after the month."""
    segment: np.ndarray
    vms: np.ndarray
    """The deals taken this month (they sign one sales cycle later)."""
    missed: int
    """Leads that waited too long and bought elsewhere."""


def sample_sales(
    leads: Leads, month: int, patience_months: int, deals: float, rng: np.random.Generator
) -> SalesMonth:
    """Reps take waiting leads first in, first out, ``deals`` a month on average (the
    fraction by a draw); leads that waited ``patience_months`` whole months buy elsewhere."""
    fresh = month - leads.month < patience_months
    n = math.floor(deals) + int(rng.random() < deals % 1.0)
    kept = Leads(leads.month[fresh], leads.segment[fresh], leads.vms[fresh])
    return SalesMonth(
        Leads(kept.month[n:], kept.segment[n:], kept.vms[n:]),
        kept.segment[:n],
        kept.vms[:n],
        int((~fresh).sum()),
    )
