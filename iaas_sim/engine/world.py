"""The SimPy world: the business events of an IaaS provider, hour by hour.

SimPy carries the events (a month opens and closes, partners become active, deals sign after
their sales cycle, ordered servers arrive after their lead time). Customers are arrays in
the customer book, never SimPy processes; their hourly demand is pooled by the numpy core at
each monthly close.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from iaas_sim.core.adoption import compute_bass_arrivals
from iaas_sim.core.calendar import compute_month_grid, compute_schedule
from iaas_sim.core.cohorts import CohortState
from iaas_sim.core.finance import DAYS_PER_MONTH
from iaas_sim.core.outages import sample_repair_hours
from iaas_sim.core.pricing import (
    compute_competitor_prices,
    compute_list_prices,
    compute_price_response,
)
from iaas_sim.core.profiles import profile_matrix
from iaas_sim.engine.arrivals import ArrivalFactory, DemandClasses, concat, pick_category
from iaas_sim.engine.book import CustomerBook
from iaas_sim.engine.close import MonthCloser
from iaas_sim.engine.partners import PartnerBook
from iaas_sim.scenario.events import compute_timeline
from iaas_sim.scenario.market import PartnerType
from iaas_sim.scenario.model import Scenario
from iaas_sim.scenario.types import CHANNELS, SLA_TIERS

HOURS_PER_YEAR = 365.25 * 24

WEB, DIRECT, PARTNERS = (CHANNELS.index(c) for c in CHANNELS)


class World:
    """One replication of a scenario."""

    def __init__(self, scenario: Scenario, streams: dict[str, np.random.Generator]) -> None:
        sc = scenario
        self.rng = streams
        self.grid = compute_month_grid(sc.run.start, sc.run.months)
        self.env = simpy.Environment()
        self.book = CustomerBook()
        self.shapes = profile_matrix()
        self.classes = DemandClasses()
        self.cohorts: CohortState | None = None
        """Aggregates of the customers pooled by cohort last month."""
        self.common_shock: float | None = None
        """The common shock's value at the last hour pooled (None before its first use)."""
        self.events = self._events_by_month(sc)
        self.pending: list[dict[str, np.ndarray]] = []
        self.deliveries: list[tuple[int, int, int]] = []  # hour, servers, of which vendor
        n = self.grid.n_months
        self.capex = np.zeros(n)
        self.in_service_capex = np.zeros(n)
        self.upfront_cash = np.zeros(n)
        self.recognised_upfront = np.zeros(n)
        self.on_order = 0
        self.partners = PartnerBook()
        # Leads waiting for a rep, first in first out: month they came, segment, size.
        self.leads = {k: np.zeros(0, dtype=np.int64) for k in ("month", "segment", "vms")}
        self.missed = 0
        self.outages: list[list[tuple[float, float]]] = [[] for _ in SLA_TIERS]
        self.closer = MonthCloser(self)
        self.set_scenario(sc)
        self.rows: list[dict[str, Any]] = []

    def set_scenario(self, sc: Scenario) -> None:
        """Put ``sc`` in force (at the start, and when events apply) and derive from it what
        the months to come need. Customers already signed keep what they signed for."""
        self.sc = sc
        self.factory = ArrivalFactory(sc, self.rng, self.classes)
        self.reps = compute_schedule(sc.channels.direct_sales.reps, self.grid)
        self.recruits = [
            compute_schedule(t.recruited_per_month, self.grid) for t in sc.channels.partners.types
        ]
        self.list_prices = compute_list_prices(sc.pricing, self.grid, sc.run.start)
        response = compute_price_response(
            self.list_prices,
            compute_competitor_prices(sc.pricing, self.grid, sc.run.start),
            sc.pricing.price_elasticity,
        )
        self.expected_arrivals = self._bass_table() * response
        self.closer.set_scenario(sc)

    def _events_by_month(self, sc: Scenario) -> dict[int, list[tuple[str, Scenario]]]:
        """Events from the first month starting on or after their date."""
        by_month: dict[int, list[tuple[str, Scenario]]] = {}
        for day, name, scenario in compute_timeline(sc):
            m = int(np.searchsorted(self.grid.month_starts, np.datetime64(day, "D")))
            by_month.setdefault(m, []).append((name, scenario))
        return by_month

    def _bass_table(self) -> np.ndarray:
        """Expected new adopters per segment and month (segments x months)."""
        table = np.zeros((len(self.sc.segments), self.grid.n_months))
        for i, seg in enumerate(self.sc.segments):
            begin = np.datetime64(seg.adoption_start or self.sc.run.start, "D")
            years = (self.grid.month_starts - begin).astype(np.int64) / 365.25
            table[i] = compute_bass_arrivals(
                years, seg.potential_customers, seg.bass_p_per_year, seg.bass_q_per_year
            )
        return table

    def run(self) -> None:
        """Simulate every month."""
        clock = self.env.process(self._clock())
        self.env.run(until=clock)

    def _clock(self) -> Generator[simpy.Event, Any, None]:
        for m in range(self.grid.n_months):
            self.missed = 0
            applied = self.events.get(m, [])
            for _, scenario in applied:
                self.set_scenario(scenario)
            self.closer.events = "; ".join(name for name, _ in applied)
            if m == 0:  # the starting base, with the events of the first day applied
                self._initial_servers()
                self._initial_partners()
                self._initial_customers()
                for k in range(len(SLA_TIERS)):
                    self.env.process(self._outages(k))
            self._open(m)
            yield self.env.timeout(self.grid.hours_in(m))
            self.rows.append(self.closer.close(m))

    def _initial_servers(self) -> None:
        """Servers in service at hour 0, bought then (less the vendor's share)."""
        cap = self.sc.capacity
        n = cap.initial_servers
        if n:
            vendor = self._vendor_part(n, self.sc)
            self.deliveries.append((0, n, vendor))
            cost = (n - vendor) * cap.capex_per_server
            self.capex[0] += cost
            self.in_service_capex[0] += cost

    def _initial_partners(self) -> None:
        """Partners active from hour 0, at the tiers of their type's mix."""
        for k, ptype in enumerate(self.sc.channels.partners.types):
            n = ptype.initial_partners
            if n:
                ids = self.partners.recruit(k, self._draw_tiers(ptype, n), np.zeros(n))
                self._start_own_use(k, ids)

    def _draw_tiers(self, ptype: PartnerType, n: int) -> np.ndarray:
        mix = ptype.tier_mix
        cdf = np.cumsum([mix.registered, mix.certified, mix.premium])
        return pick_category(np.broadcast_to(cdf, (n, 3)), self.rng["partner_tier"].random(n))

    def _start_own_use(self, k: int, ids: np.ndarray) -> None:
        """Active partners of type ``k`` start running their own VMs."""
        vms = self.sc.channels.partners.types[k].own_vms_per_active_partner
        if vms > 0 and len(ids):
            self.pending.append(
                self.factory.make_own_use(
                    ids, np.full(len(ids), k), self.partners.tier[ids], vms, self.env.now
                )
            )

    def _initial_customers(self) -> None:
        """The customer base at hour 0, split by channel mix (admission still applies)."""
        for s, seg in enumerate(self.sc.segments):
            if not seg.initial_customers:
                continue
            mix = np.array(
                [seg.channel_mix.web, seg.channel_mix.direct_sales, seg.channel_mix.partners]
            )
            split = self.rng["arrivals"].multinomial(seg.initial_customers, mix / mix.sum())
            for channel, n in enumerate(split):
                if not n:
                    continue
                which = np.full(n, s, dtype=np.int64)
                vms = self.factory.sample_sizes(s, int(n))
                if channel == PARTNERS:
                    self._arrive(PARTNERS, which, vms, 0, 0, capped=False)
                else:
                    self.pending.append(self.factory.make(which, channel, np.zeros(n), vms))

    # -- month opening: partners, new demand by channel, the sales pipeline -----------------
    def _open(self, m: int) -> None:
        t0, hours = int(self.grid.start_hours[m]), self.grid.hours_in(m)
        self._recruit_partners(m)
        mix = np.array(
            [
                [s.channel_mix.web, s.channel_mix.direct_sales, s.channel_mix.partners]
                for s in self.sc.segments
            ]
        )
        counts = self.rng["arrivals"].poisson(self.expected_arrivals[:, m, None] * mix)
        web_seg, web_vms, partner_seg, partner_vms, lead_seg, lead_vms = [], [], [], [], [], []
        max_web = self.sc.channels.web.max_vms_per_customer
        for s in range(len(self.sc.segments)):
            sizes = self.factory.sample_sizes(s, int(counts[s, WEB]))
            big = sizes > max_web
            web_seg.append(np.full(int((~big).sum()), s))
            web_vms.append(sizes[~big])
            # Customers too big for the web shop go to a partner, else to sales, else elsewhere;
            # they keep their size.
            n_big = int(big.sum())
            if mix[s, PARTNERS] > 0:
                partner_seg.append(np.full(n_big, s))
                partner_vms.append(sizes[big])
            elif mix[s, DIRECT] > 0:
                lead_seg.append(np.full(n_big, s))
                lead_vms.append(sizes[big])
            else:
                self.missed += n_big
            fresh = self.factory.sample_sizes(s, int(counts[s, PARTNERS]))
            partner_seg.append(np.full(len(fresh), s))
            partner_vms.append(fresh)
            fresh = self.factory.sample_sizes(s, int(counts[s, DIRECT]))
            lead_seg.append(np.full(len(fresh), s))
            lead_vms.append(fresh)
        self._add_leads(m, np.concatenate(lead_seg), np.concatenate(lead_vms))
        self._arrive(WEB, np.concatenate(web_seg), np.concatenate(web_vms), t0, hours)
        p_seg, p_vms = np.concatenate(partner_seg), np.concatenate(partner_vms)
        self._arrive(PARTNERS, p_seg, p_vms, t0, hours)
        self._run_sales(m, t0, hours)

    def _arrive(
        self,
        channel: int,
        seg: np.ndarray,
        vms: np.ndarray,
        t0: int,
        hours: int,
        capped: bool = True,
    ) -> None:
        partners = None
        if channel == PARTNERS:
            seg, vms, partners = self._reach(seg, vms, capped)
        times = t0 + self.rng["arrivals"].random(len(seg)) * hours
        self.pending.append(self.factory.make(seg.astype(np.int64), channel, times, vms, partners))

    def _reach(
        self, seg: np.ndarray, vms: np.ndarray, capped: bool = True
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Partner-channel demand within the active partners' reach (when ``capped``), each
        kept customer given to a type in proportion to its reach, then to one of its active
        partners. Without any reach at all nobody is kept."""
        types = self.sc.channels.partners.types
        active = self.partners.active_by_type(self.env.now, len(types))
        reach = active * np.array([t.customers_per_active_partner_per_month for t in types])
        total = float(reach.sum())
        if len(seg) > total and (capped or total == 0):
            # Active partners can only bring so many customers; the rest buy elsewhere.
            keep = self.rng["partner_reach"].random(len(seg)) < total / len(seg)
            self.missed += int((~keep).sum())
            seg, vms = seg[keep], vms[keep]
        ptype = np.zeros(len(seg), dtype=np.int64)
        if len(seg):
            ptype = self.rng["partner_reach"].choice(len(types), size=len(seg), p=reach / total)
        partner = self.partners.pick(ptype, self.env.now, self.rng["partner_tier"])
        return seg, vms, (partner, ptype, self.partners.tier[partner])

    def _recruit_partners(self, m: int) -> None:
        for k, ptype in enumerate(self.sc.channels.partners.types):
            recruits = int(self.rng["partners"].poisson(self.recruits[k][m]))
            if not recruits:
                continue
            activating = self.rng["partners"].random(recruits) < ptype.share_active
            delay = ptype.activation_delay_days * 24
            active_at = np.where(activating, self.env.now + delay, np.inf)
            ids = self.partners.recruit(k, self._draw_tiers(ptype, recruits), active_at)
            if activating.any():
                self.env.process(self._activate(k, ids[activating], delay))

    def _activate(
        self, k: int, ids: np.ndarray, delay_hours: float
    ) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(delay_hours)
        self._start_own_use(k, ids)

    def _add_leads(self, m: int, segment: np.ndarray, vms: np.ndarray) -> None:
        new = {"month": np.full(len(segment), m), "segment": segment, "vms": vms}
        self.leads = {
            k: np.concatenate([self.leads[k], new[k]]).astype(np.int64) for k in self.leads
        }

    def _run_sales(self, m: int, t0: int, hours: int) -> None:
        """Reps take waiting leads first in, first out; each deal signs one sales cycle later;
        leads that waited ``lead_patience_months`` whole months buy elsewhere."""
        ds = self.sc.channels.direct_sales
        fresh = m - self.leads["month"] < ds.lead_patience_months
        self.missed += int((~fresh).sum())
        capacity = self.reps[m] * ds.deals_per_rep_per_month
        deals = math.floor(capacity) + int(self.rng["sales"].random() < capacity % 1.0)
        waiting = {k: v[fresh] for k, v in self.leads.items()}
        self.leads = {k: v[deals:] for k, v in waiting.items()}
        seg, vms = waiting["segment"][:deals], waiting["vms"][:deals]
        if len(seg):
            take_times = t0 + self.rng["sales"].random(len(seg)) * hours
            self.env.process(self._sign(seg, vms, take_times, ds.sales_cycle_days * 24))

    def _sign(
        self, seg: np.ndarray, vms: np.ndarray, take_times: np.ndarray, cycle_hours: float
    ) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(cycle_hours)
        self.pending.append(self.factory.make(seg, DIRECT, take_times + cycle_hours, vms))

    # -- outages ---------------------------------------------------------------------------
    def _outages(self, k: int) -> Generator[simpy.Event, Any, None]:
        """SLA tier ``k`` alternates up time (exponential, ``failures_per_year``) and repairs
        (lognormal durations); the tier in force is read at each failure."""
        rng = self.rng["outages"]
        while True:
            tier = self.sc.sla.as_tuple()[k]
            if tier.failures_per_year == 0:
                # Look again just after the next month opens, once its events have applied.
                following = self.grid.month_of_hour(self.env.now) + 1
                if following >= self.grid.n_months:
                    return
                yield self.env.timeout(self.grid.start_hours[following] - self.env.now + 1e-6)
                continue
            wait = rng.exponential(HOURS_PER_YEAR / tier.failures_per_year)
            following = self.grid.month_of_hour(self.env.now) + 1
            if following < self.grid.n_months:
                opening = self.grid.start_hours[following] + 1e-6 - self.env.now
                if wait > opening:
                    # Up time is memoryless: draw again once next month's events are in force.
                    yield self.env.timeout(opening)
                    continue
            yield self.env.timeout(wait)
            tier = self.sc.sla.as_tuple()[k]
            if tier.failures_per_year == 0:
                continue
            hours = sample_repair_hours(tier.repair_hours_mean, tier.repair_hours_sd, rng)
            self.outages[k].append((self.env.now, self.env.now + hours))
            yield self.env.timeout(hours)

    # -- procurement -----------------------------------------------------------------------
    @staticmethod
    def _vendor_part(n: int, sc: Scenario) -> int:
        """Servers of an order of ``n`` that the vendor installs (nearest whole server)."""
        return round(n * sc.capacity.vendor_share_of_servers)

    def order_servers(self, m: int, n: int) -> None:
        """Order ``n`` servers now (capex this month for those the provider buys); they arrive
        one lead time later."""
        cap = self.sc.capacity
        vendor = self._vendor_part(n, self.sc)
        cost = (n - vendor) * cap.capex_per_server
        self.capex[m] += cost
        self.on_order += n
        self.env.process(self._deliver(n, vendor, cost, cap.lead_time_days * 24))

    def _deliver(
        self, n: int, vendor: int, cost: float, lead_hours: float
    ) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(lead_hours)
        hour = math.ceil(self.env.now)
        self.deliveries.append((hour, n, vendor))
        self.on_order -= n
        month = self.grid.month_of_hour(hour)
        if month < self.grid.n_months:
            self.in_service_capex[month] += cost

    @property
    def lead_time_months(self) -> float:
        return self.sc.capacity.lead_time_days / DAYS_PER_MONTH

    def take_pending(self, t1: int) -> dict[str, np.ndarray] | None:
        """Pending arrivals before hour ``t1``, in arrival order; later ones stay pending."""
        if not self.pending:
            return None
        batch = concat(self.pending)
        due = batch["time"] < t1
        self.pending = [{k: v[~due] for k, v in batch.items()}] if (~due).any() else []
        order = np.argsort(batch["time"][due], kind="stable")
        return {k: v[due][order] for k, v in batch.items()}
