"""The monthly close: admit the month's arrivals, pool demand against capacity, bill, and
decide what to order."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from iaas_sim.core.admission import compute_admission, compute_base_load
from iaas_sim.core.ar1 import compute_common_shock
from iaas_sim.core.billing import (
    GROUP_CHANNEL,
    GROUP_RESERVED,
    GROUP_SLA,
    MAX_PARTNER_TYPES,
    N_GROUPS,
    PARTNER_CHANNEL,
    compute_group,
    compute_group_channel,
    compute_group_prices,
    compute_group_rates,
    compute_marketplace,
    compute_partner_type_totals,
    compute_reserved_bill,
    compute_sla_credits,
    compute_usage_bill,
)
from iaas_sim.core.calendar import compute_schedule
from iaas_sim.core.outages import compute_credit_share, compute_up_share
from iaas_sim.core.pooling import Settings as PoolSettings
from iaas_sim.core.pooling import compute_month_pool
from iaas_sim.core.procurement import compute_forecast, compute_order
from iaas_sim.engine.arrivals import compute_term_hours
from iaas_sim.engine.book import FIELDS
from iaas_sim.scenario.types import CHANNELS, SLA_TIERS

if TYPE_CHECKING:
    from iaas_sim.engine.world import World
    from iaas_sim.scenario.model import Scenario


class MonthCloser:
    """Closes the months of one world."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.shape_mean = world.shapes.mean(axis=1)
        self.shape_peak = world.shapes.max(axis=1)
        self.history: list[float] = []
        self.events = ""
        """Names of the events that took effect this month."""

    def set_scenario(self, sc: Scenario) -> None:
        """Prices, discounts and cost schedules of the scenario in force."""
        self.multipliers = np.array(sc.pricing.sla_multipliers.as_tuple())
        # Partner type x certification tier x environment (unused type slots stay at 0).
        self.discounts = np.zeros((MAX_PARTNER_TYPES, 3, 3))
        for k, ptype in enumerate(sc.channels.partners.types):
            self.discounts[k] = ptype.discounts.grid()
        grid = self.w.grid
        self.staff_cost = sum(
            (
                compute_schedule(r.headcount, grid) * r.loaded_cost_per_year / 12.0
                for r in sc.costs.staff
            ),
            np.zeros(grid.n_months),
        )
        self.marketing = compute_schedule(sc.costs.marketing_per_month, grid)

    def _capacity(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray]:
        """Installed servers at each hour of ``[t0, t1)``, and how many are the vendor's."""
        servers, vendor = np.zeros(t1 - t0), np.zeros(t1 - t0)
        for hour, n, by_vendor in self.w.deliveries:
            if hour < t1:
                servers[max(hour - t0, 0) :] += n
                vendor[max(hour - t0, 0) :] += by_vendor
        return servers, vendor

    def _admit(self, t0: int, t1: int, capacity_vms: np.ndarray) -> dict[str, float]:
        w = self.w
        batch = w.take_pending(t1)
        if batch is None or len(batch["vms"]) == 0:
            return {
                "new_customers": 0,
                "lost_customers": 0,
                "lost_vm_hours": 0.0,
                "lost_peak_vms": 0.0,
            }
        present = w.book.active_between(t0, t0 + 1)
        base = compute_base_load(
            w.book.col("vms")[present], w.book.col("profile")[present], w.shapes
        )
        at_arrival = capacity_vms[np.clip(batch["start"] - t0, 0, t1 - t0 - 1)]
        ok = compute_admission(
            batch["vms"],
            batch["profile"],
            at_arrival,
            base,
            w.shapes,
            w.sc.capacity.admission_max_utilisation,
        )
        w.book.append({k: batch[k][ok] for k in FIELDS})
        refused = ~ok
        profile, vms = batch["profile"][refused], batch["vms"][refused]
        return {
            "new_customers": int(ok.sum()),
            "lost_customers": int(refused.sum()),
            "lost_vm_hours": float(
                np.sum(vms * self.shape_mean[profile] * (t1 - batch["start"][refused]))
            ),
            "lost_peak_vms": float(np.sum(vms * self.shape_peak[profile])),
        }

    def close(self, m: int) -> dict[str, Any]:
        w, sc = self.w, self.w.sc
        t0, t1 = int(w.grid.start_hours[m]), int(w.grid.start_hours[m + 1])
        servers, vendor_servers = self._capacity(t0, t1)
        capacity = servers * sc.capacity.vms_per_server
        admitted = self._admit(t0, t1, capacity)
        idx = w.book.active_between(t0, t1)
        self._promote_partners(idx)
        up = np.stack([compute_up_share(o, t0, t1) for o in w.outages])
        pool = compute_month_pool(
            w.book.view(idx),
            w.classes.table(),
            t0,
            capacity,
            w.grid.weekday0 * 24,
            w.shapes,
            N_GROUPS,
            w.rng["usage"],
            settings=PoolSettings(
                sc.pooling.mode,
                sc.pooling.correlation,
                sc.pooling.reference_customers,
                sc.pooling.auto_max_customers,
            ),
            shock=self._shock(t1 - t0),
            group_up=up[GROUP_SLA],
            cohorts=w.cohorts,
        )
        w.book.set_state(idx, pool.new_state, pool.held)
        w.cohorts = pool.cohorts
        revenue = self._revenue(m, t0, t1, idx, pool.served_by_group, up.mean(axis=1))
        start, end = w.book.col("start")[idx], w.book.col("end")[idx]
        cap_hours = float(capacity.sum())
        row: dict[str, Any] = {
            "customers": int(np.sum((start < t1) & (end > t1))),
            "new_customers": admitted["new_customers"],
            "churned_customers": int(np.sum((end > t0) & (end <= t1))),
            "lost_customers": admitted["lost_customers"],
            "missed_customers": w.missed,
            "partners_recruited": len(w.partners),
            "partners_active": int(np.sum(w.partners.active_at <= t1)),
            "sales_reps": float(w.reps[m]),
            "vms_avg": pool.served_vm_hours / (t1 - t0),
            "vms_peak": pool.peak_demand,
            "capacity_vms": float(capacity[-1]),
            "servers": int(servers[-1]),
            "server_hours": float(servers.sum()),
            "vendor_server_hours": float(vendor_servers.sum()),
            "racks": math.ceil(servers.max(initial=0) / sc.capacity.servers_per_rack),
            "utilisation": pool.served_vm_hours / cap_hours if cap_hours > 0 else 0.0,
            "utilisation_peak": pool.utilisation_peak,
            "unserved_vm_hours": pool.unserved_vm_hours + admitted["lost_vm_hours"],
            "vm_hours_served": pool.served_vm_hours,
            "pooling_gain": (
                pool.individual_peak_sum / pool.peak_demand
                if pool.peak_demand > 0
                else float("nan")
            ),
            "pooling_mode": pool.mode if len(idx) else "",
        }
        row.update(revenue)
        row.update(self._opex(m, row))
        row["events"] = self.events
        row.update(
            self._procure(
                m,
                pool.peak_demand,
                float(pool.demand.mean()),
                admitted["lost_peak_vms"],
                float(capacity[-1]),
            )
        )
        return row

    def _shock(self, n_hours: int) -> np.ndarray | None:
        """The common shock's path over the month, when customers are correlated."""
        w, rules = self.w, self.w.sc.pooling
        if rules.correlation == 0:
            w.common_shock = None  # starts afresh if a correlation comes back
            return None
        rng = w.rng["common_shock"]
        if w.common_shock is None:
            w.common_shock = float(rng.standard_normal())
        path, w.common_shock = compute_common_shock(
            rules.common_autocorrelation, w.common_shock, n_hours, rng
        )
        return path

    def _promote_partners(self, idx: np.ndarray) -> None:
        """Partners move up a certification tier when their customers' VMs (this month's
        customers, their own use included) reach the thresholds; their customers' billing
        groups follow."""
        w, rules = self.w, self.w.sc.channels.partners
        if (rules.certified_from_vms is None and rules.premium_from_vms is None) or not len(
            w.partners
        ):
            return
        partner = w.book.col("partner")[idx]
        mine = partner >= 0
        sold = np.bincount(
            partner[mine], weights=w.book.col("vms")[idx][mine], minlength=len(w.partners)
        )
        changed = w.partners.promote(sold, rules.certified_from_vms, rules.premium_from_vms)
        if len(changed):
            rows = np.flatnonzero(np.isin(w.book.col("partner"), changed))
            tier = w.partners.tier[w.book.col("partner")[rows]]
            c = {k: w.book.col(k)[rows] for k in ("channel", "sla", "reserved", "ptype")}
            w.book.set_col("partner_tier", rows, tier)
            w.book.set_col(
                "group",
                rows,
                compute_group(c["channel"], c["sla"], tier, c["reserved"], c["ptype"]),
            )

    def _revenue(
        self,
        m: int,
        t0: int,
        t1: int,
        idx: np.ndarray,
        served_by_group: np.ndarray,
        availability: np.ndarray,
    ) -> dict[str, float]:
        """Every revenue stream and channel of month ``m``, with what goes with them."""
        w, sc = self.w, self.w.sc
        list_price = float(w.list_prices[m])
        list_prices, net_prices = compute_group_prices(list_price, self.multipliers, self.discounts)
        usage = compute_usage_bill(served_by_group, list_prices, net_prices)
        shares = np.array(
            [
                compute_credit_share(a, credits)
                for a, credits in zip(availability, sc.sla.credit_schedules(), strict=True)
            ]
        )
        credits = compute_sla_credits(served_by_group, net_prices, shares)
        book = {
            k: w.book.col(k)[idx]
            for k in ("vms", "group", "start", "end", "channel", "attached", "reserved")
        }
        r = book["reserved"]
        list_rates, net_rates = compute_group_rates(list_price, self.multipliers, self.discounts)
        reserved = compute_reserved_bill(
            book["vms"][r],
            book["group"][r],
            book["start"][r],
            book["end"][r],
            t0,
            t1,
            compute_term_hours(sc.reserved.term_months),
            sc.reserved.upfront_per_vm,
            sc.reserved.hourly_discount,
            list_rates,
            net_rates,
        )
        w.upfront_cash[m] = reserved.upfront_cash
        w.recognised_upfront[m] = float(reserved.recognised_by_group.sum())
        share = (np.minimum(book["end"], t1) - np.maximum(book["start"], t0)) / (t1 - t0)
        a = book["attached"]
        isv, marketplace = compute_marketplace(
            share[a],
            book["group"][a],
            sc.marketplace.solution_revenue_per_customer_month,
            sc.marketplace.provider_share,
        )
        payg_partner = (GROUP_CHANNEL == PARTNER_CHANNEL) & (GROUP_RESERVED == 0)
        partner_hours = float(served_by_group[payg_partner].sum()) + reserved.partner_vm_hours
        partner_margin = usage.partner_discounts + reserved.partner_discounts
        reserved_by_group = reserved.hourly_by_group + reserved.recognised_by_group
        total = usage.net_by_group + reserved_by_group + marketplace - credits
        out = {
            "list_price": list_price,
            "vm_hours_billed": float(served_by_group[GROUP_RESERVED == 0].sum())
            + reserved.vm_hours,
            "revenue_usage": float(usage.net_by_group.sum()),
            "revenue_reserved": float(reserved_by_group.sum()),
            "revenue_marketplace": float(marketplace.sum()),
            "revenue_sla_credits": 0.0 - float(credits.sum()),
            "partner_discounts": partner_margin,
            "partner_margin": partner_margin,
            "partner_margin_per_vm_hour": _ratio(partner_margin, partner_hours),
            "isv_solution_revenue": isv,
            "upfront_cash": reserved.upfront_cash,
        }
        channels = compute_group_channel(total)
        for c, channel in enumerate(CHANNELS):
            out[f"revenue_channel_{channel}"] = float(channels[c])
        by_type = compute_partner_type_totals(total)
        for k, ptype in enumerate(sc.channels.partners.types):
            out[f"revenue_partner_type_{ptype.name}"] = float(by_type[k])
        for k, tier in enumerate(SLA_TIERS):
            out[f"availability_{tier.replace('.', '_')}"] = float(availability[k])
        return out

    def _opex(self, m: int, row: dict[str, Any]) -> dict[str, float]:
        """Every operating cost line of month ``m``, with the scenario in force."""
        w, sc = self.w, self.w.sc
        costs, ds = sc.costs, sc.channels.direct_sales
        kwh = row["server_hours"] * costs.power_w_per_server * costs.pue / 1000.0
        installed = float(w.in_service_capex[: m + 1].sum())
        lines = {
            "power": kwh * costs.electricity_price_per_kwh,
            "colocation": row["racks"] * costs.colocation_per_rack_month,
            "maintenance": installed * costs.maintenance_share_of_capex_per_year / 12.0,
            "staff": float(self.staff_cost[m]),
            "sales_force": float(w.reps[m]) * ds.cost_per_rep_per_year / 12.0,
            "partner_programme": float(
                np.dot(
                    w.partners.recruited_by_type(MAX_PARTNER_TYPES)[
                        : len(sc.channels.partners.types)
                    ],
                    [t.programme_cost_per_partner_per_month for t in sc.channels.partners.types],
                )
            ),
            "marketing": float(self.marketing[m]),
            "vendor_share": sc.capacity.vendor_revenue_share
            * (row["revenue_usage"] + row["revenue_reserved"])
            * _ratio(row["vendor_server_hours"], row["server_hours"], empty=0.0),
        }
        return {f"opex_{line}": value for line, value in lines.items()}

    def _procure(
        self, m: int, peak: float, mean: float, lost_peak: float, capacity_end: float
    ) -> dict[str, Any]:
        """Order servers when utilisation (now or forecast one lead time ahead) is above
        ``high``; demand refused at admission counts as demand."""
        w, cap = self.w, self.w.sc.capacity
        basis = (peak if cap.utilisation_basis == "peak" else mean) + lost_peak
        self.history.append(basis)
        demand = (
            compute_forecast(np.array(self.history), w.lead_time_months + 1.0)
            if cap.forecast
            else basis
        )
        # Servers delivered up to t1 (a delivery at exactly t1 may already have left
        # on_order) plus those still on order: each counted once.
        t1 = int(w.grid.start_hours[m + 1])
        delivered = sum(n for hour, n, _ in w.deliveries if hour <= t1)
        planned = (delivered + w.on_order) * cap.vms_per_server
        n = compute_order(
            demand,
            planned,
            cap.thresholds.high,
            cap.thresholds.target,
            cap.vms_per_server,
            cap.min_order_servers,
        )
        if n:
            w.order_servers(m, n)
        return {
            # Demand with no capacity has no ratio (NaN); no demand, none is used (0).
            "procurement_utilisation": basis / capacity_end
            if capacity_end > 0
            else (math.nan if basis > 0 else 0.0),
            "servers_ordered": n,
        }


def _ratio(numerator: float, denominator: float, empty: float = float("nan")) -> float:
    """``numerator / denominator``, ``empty`` when there is nothing to divide by."""
    return numerator / denominator if denominator > 0 else empty
