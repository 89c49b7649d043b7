"""The SimPy world: the business events of an IaaS provider, hour by hour.

SimPy carries the events (a month opens and closes, partners become active, deals sign after
their sales cycle, ordered servers arrive after their lead time). Customers are arrays in
the customer book, never SimPy processes; their hourly demand is pooled by the numpy core at
each monthly close.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from iaas_sim.core.billing import GROUP_SLA, MAX_PARTNER_TYPES, N_GROUPS
from iaas_sim.core.calendar import compute_month_grid, compute_schedule
from iaas_sim.core.finance import DAYS_PER_MONTH
from iaas_sim.core.outages import compute_up_share
from iaas_sim.core.pooling import Settings as PoolSettings
from iaas_sim.core.pricing import (
    compute_list_prices,
)
from iaas_sim.core.profiles import profile_matrix
from iaas_sim.engine.arrivals import ArrivalFactory, DemandClasses, concat, pick_category
from iaas_sim.engine.book import FIELDS, CustomerBook
from iaas_sim.engine.ledger import Books, compute_funding
from iaas_sim.engine.outages import run_outages
from iaas_sim.engine.partners import PartnerBook
from iaas_sim.engine.plan import compute_events_by_month, compute_expected_arrivals
from iaas_sim.engine.row import Census, compute_row
from iaas_sim.engine.stages.admission import AdmissionInput, admit
from iaas_sim.engine.stages.billing import BillingInput, bill, compute_tariff
from iaas_sim.engine.stages.channels import (
    DIRECT,
    PARTNERS,
    ROUTERS,
    WEB,
    Leads,
    SegmentDemand,
    sample_reach,
    sample_sales,
)
from iaas_sim.engine.stages.costs import CostInput, compute_cost_plan, compute_costs
from iaas_sim.engine.stages.pooling import PoolingInput, PoolingState, sample_pool
from iaas_sim.engine.stages.procurement import (
    Delivery,
    ProcurementInput,
    compute_installed,
    decide,
)
from iaas_sim.engine.stages.promotion import PromotionInput, promote
from iaas_sim.scenario.market import PartnerType
from iaas_sim.scenario.model import Scenario
from iaas_sim.scenario.sla import SlaTier
from iaas_sim.scenario.types import CHANNELS, SLA_TIERS


class World:
    """One replication of a scenario."""

    def __init__(self, scenario: Scenario, streams: dict[str, np.random.Generator]) -> None:
        sc = scenario
        self.rng = streams
        self.grid = compute_month_grid(sc.run.start, sc.run.months)
        self.env = simpy.Environment()
        self.book = CustomerBook()
        self.shapes = profile_matrix()
        self.shape_mean = self.shapes.mean(axis=1)
        self.shape_peak = self.shapes.max(axis=1)
        self.classes = DemandClasses()
        self.pooling = PoolingState()
        self.history: tuple[float, ...] = ()
        """Procurement's demand basis of the months closed."""
        self.events = compute_events_by_month(sc, self.grid)
        self.event_names = ""
        """Names of the events that took effect this month."""
        self.pending: list[dict[str, np.ndarray]] = []
        self.deliveries: list[Delivery] = []
        n = self.grid.n_months
        self.capex = np.zeros(n)
        self.in_service_capex = np.zeros(n)
        self.upfront_cash = np.zeros(n)
        self.recognised_upfront = np.zeros(n)
        self.on_order = 0
        self.partners = PartnerBook()
        self.leads = Leads()
        self.missed = 0
        self.outages: list[list[tuple[float, float]]] = [[] for _ in SLA_TIERS]
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
        self.expected_arrivals = compute_expected_arrivals(sc, self.grid, self.list_prices)
        self.tariff = compute_tariff(sc)
        self.cost_plan = compute_cost_plan(sc, self.grid)

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
            self.event_names = "; ".join(name for name, _ in applied)
            if m == 0:  # the starting base, with the events of the first day applied
                self._initial_servers()
                self._initial_partners()
                self._initial_customers()
                for k in range(len(SLA_TIERS)):
                    process = run_outages(
                        self.env,
                        self.grid,
                        functools.partial(self._sla_tier, k),
                        self.rng["outages"],
                        self.outages[k],
                    )
                    self.env.process(process)
            self._open(m)
            yield self.env.timeout(self.grid.hours_in(m))
            self.rows.append(self._close(m))

    def _sla_tier(self, k: int) -> SlaTier:
        """SLA tier ``k`` as the scenario in force says."""
        return self.sc.sla.as_tuple()[k]

    def _initial_servers(self) -> None:
        """Servers in service at hour 0, bought then (less the vendor's share)."""
        cap = self.sc.capacity
        n = cap.initial_servers
        if n:
            vendor = self._vendor_part(n, self.sc)
            self.deliveries.append(Delivery(0, n, vendor))
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
            mix = np.array([getattr(seg.channel_mix, c) for c in CHANNELS])
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
        mix = np.array([[getattr(s.channel_mix, c) for c in CHANNELS] for s in self.sc.segments])
        counts = self.rng["arrivals"].poisson(self.expected_arrivals[:, m, None] * mix)
        sent: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {
            c: ([], []) for c in range(len(CHANNELS))
        }
        max_web = self.sc.channels.web.max_vms_per_customer
        for s in range(len(self.sc.segments)):
            for channel, route in ROUTERS:
                sizes = self.factory.sample_sizes(s, int(counts[s, channel]))
                routed = route(SegmentDemand(s, sizes, mix[s], max_web))
                self.missed += routed.missed
                for to, vms in routed.to.items():
                    sent[to][0].append(np.full(len(vms), s))
                    sent[to][1].append(vms)
        # What each channel does with the customers routed to it, in this order (each draws
        # from its own streams, so the order is part of a seed's results).
        takes: tuple[tuple[int, Callable[[np.ndarray, np.ndarray], None]], ...] = (
            (DIRECT, functools.partial(self._queue_leads, m)),
            (WEB, lambda seg, vms: self._arrive(WEB, seg, vms, t0, hours)),
            (PARTNERS, lambda seg, vms: self._arrive(PARTNERS, seg, vms, t0, hours)),
        )
        for channel, take in takes:
            segments, routed_sizes = sent[channel]
            take(np.concatenate(segments), np.concatenate(routed_sizes))
        self._run_sales(m, t0, hours)

    def _queue_leads(self, m: int, seg: np.ndarray, vms: np.ndarray) -> None:
        """Direct-sales customers wait for a rep."""
        self.leads = self.leads.add(m, seg, vms)

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
        """Partner-channel demand within the active partners' reach, each kept customer
        given to one of the active partners of the type the reach picked."""
        types = self.sc.channels.partners.types
        reach = sample_reach(
            len(seg),
            self.partners.active_by_type(self.env.now, len(types)),
            np.array([t.customers_per_active_partner_per_month for t in types]),
            capped,
            self.rng["partner_reach"],
        )
        if reach.keep is not None:
            self.missed += int((~reach.keep).sum())
            seg, vms = seg[reach.keep], vms[reach.keep]
        partner = self.partners.sample(reach.ptype, self.env.now, self.rng["partner_tier"])
        return seg, vms, (partner, reach.ptype, self.partners.tier[partner])

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

    def _run_sales(self, m: int, t0: int, hours: int) -> None:
        """The month's deals (taken at random hours) sign one sales cycle later."""
        ds = self.sc.channels.direct_sales
        sales = sample_sales(
            self.leads,
            m,
            ds.lead_patience_months,
            self.reps[m] * ds.deals_per_rep_per_month,
            self.rng["sales"],
        )
        self.missed += sales.missed
        self.leads = sales.waiting
        if len(sales.segment):
            take_times = t0 + self.rng["sales"].random(len(sales.segment)) * hours
            self.env.process(
                self._sign(sales.segment, sales.vms, take_times, ds.sales_cycle_days * 24)
            )

    def _sign(
        self, seg: np.ndarray, vms: np.ndarray, take_times: np.ndarray, cycle_hours: float
    ) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(cycle_hours)
        self.pending.append(self.factory.make(seg, DIRECT, take_times + cycle_hours, vms))

    # -- the monthly close: the stages in order, their decisions applied --------------------
    def _close(self, m: int) -> dict[str, Any]:
        sc, book = self.sc, self.book
        t0, t1 = int(self.grid.start_hours[m]), int(self.grid.start_hours[m + 1])
        servers, vendor_servers = compute_installed(self.deliveries, t0, t1)
        capacity = servers * sc.capacity.vms_per_server
        present = book.active_between(t0, t0 + 1)
        admission = admit(
            AdmissionInput(
                self.take_pending(t1),
                book.col("vms")[present],
                book.col("profile")[present],
                book.col("end")[present],
                capacity,
                self.shapes,
                self.shape_mean,
                self.shape_peak,
                sc.capacity.admission_max_utilisation,
                t0,
                t1,
            )
        )
        if admission.admitted:
            book.append({k: admission.admitted[k] for k in FIELDS})
        idx = book.active_between(t0, t1)
        self._promote(idx)
        up = np.stack([compute_up_share(o, t0, t1) for o in self.outages])
        pooled, self.pooling = sample_pool(
            PoolingInput(
                book.view(idx),
                self.classes.table(),
                t0,
                capacity,
                self.grid.weekday0 * 24,
                self.shapes,
                N_GROUPS,
                PoolSettings(
                    sc.pooling.mode,
                    sc.pooling.correlation,
                    sc.pooling.reference_customers,
                    sc.pooling.auto_max_customers,
                ),
                sc.pooling.common_autocorrelation,
                up[GROUP_SLA],
            ),
            self.pooling,
            self.rng["usage"],
            self.rng["common_shock"],
        )
        book.set_state(idx, pooled.new_state, pooled.held)
        month = {k: book.col(k)[idx] for k in ("vms", "group", "start", "end")}
        availability = up.mean(axis=1)
        the_bill = bill(
            BillingInput(
                self.tariff,
                float(self.list_prices[m]),
                pooled.served_by_group,
                availability,
                month["vms"],
                month["group"],
                month["start"],
                month["end"],
                book.col("attached")[idx],
                book.col("reserved")[idx],
                t0,
                t1,
            )
        )
        self.upfront_cash[m] = the_bill.upfront_cash
        self.recognised_upfront[m] = the_bill.recognised_upfront
        census = Census(
            customers=int(np.sum((month["start"] < t1) & (month["end"] > t1))),
            churned_customers=int(np.sum((month["end"] > t0) & (month["end"] <= t1))),
            missed_customers=self.missed,
            partners_recruited=len(self.partners),
            partners_active=int(np.sum(self.partners.active_at <= t1)),
            sales_reps=float(self.reps[m]),
            servers=int(servers[-1]),
            server_hours=float(servers.sum()),
            vendor_server_hours=float(vendor_servers.sum()),
            racks=math.ceil(servers.max(initial=0) / sc.capacity.servers_per_rack),
            capacity_vms=float(capacity[-1]),
            capacity_vm_hours=float(capacity.sum()),
            hours=t1 - t0,
            any_customer=bool(len(idx)),
            events=self.event_names,
        )
        n_types = len(sc.channels.partners.types)
        costs = compute_costs(
            CostInput(
                self.cost_plan,
                m,
                census.server_hours,
                census.vendor_server_hours,
                census.racks,
                float(self.in_service_capex[: m + 1].sum()),
                census.sales_reps,
                self.partners.recruited_by_type(MAX_PARTNER_TYPES)[:n_types],
                the_bill.revenue_usage + the_bill.revenue_reserved,
            )
        )
        decision = decide(
            ProcurementInput(
                self.history,
                pooled.peak_demand,
                float(pooled.demand.mean()),
                admission.lost_peak_vms,
                census.capacity_vms,
                sum(d.servers for d in self.deliveries if d.hour <= t1) + self.on_order,
                sc.capacity.utilisation_basis,
                sc.capacity.forecast,
                self.lead_time_months,
                sc.capacity.thresholds.high,
                sc.capacity.thresholds.target,
                sc.capacity.vms_per_server,
                sc.capacity.min_order_servers,
            )
        )
        self.history = decision.history
        if decision.servers_ordered:
            self.order_servers(m, decision.servers_ordered)
        names = [t.name for t in sc.channels.partners.types]
        return compute_row(
            census, admission, pooled, the_bill, availability, costs, decision, names
        )

    def _promote(self, idx: np.ndarray) -> None:
        """Partners' promotions, and their customers' new billing groups, applied."""
        rules, book = self.sc.channels.partners, self.book
        promotion = promote(
            PromotionInput(
                self.partners.tier,
                rules.certified_from_vms,
                rules.premium_from_vms,
                book.col("partner")[idx],
                book.col("vms")[idx],
                *(book.col(k) for k in ("partner", "channel", "sla", "reserved", "ptype")),
            )
        )
        self.partners.tier = promotion.partner_tier
        if len(promotion.rows):
            book.set_col("partner_tier", promotion.rows, promotion.customer_tier)
            book.set_col("group", promotion.rows, promotion.group)

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
        self.deliveries.append(Delivery(hour, n, vendor))
        self.on_order -= n
        month = self.grid.month_of_hour(hour)
        if month < self.grid.n_months:
            self.in_service_capex[month] += cost

    def books(self) -> Books:
        """What the run leaves for the ledger."""
        return Books(
            self.rows,
            self.grid.month_starts,
            self.capex,
            self.in_service_capex,
            self.upfront_cash,
            self.recognised_upfront,
            compute_funding(self.sc.finance, self.grid),
        )

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
