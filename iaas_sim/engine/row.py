"""One month's row of the monthly table, from what the stages returned (names as the
registry, ``iaas_sim.engine.columns``, declares them; the ledger adds the totals)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from iaas_sim.core.pooling import MonthPool
from iaas_sim.engine.columns import availability, channel_revenue, opex_line, partner_type_revenue
from iaas_sim.engine.stages.admission import Admission
from iaas_sim.engine.stages.billing import Bill
from iaas_sim.engine.stages.procurement import Decision
from iaas_sim.scenario.types import CHANNELS, SLA_TIERS


@dataclass(frozen=True)
class Census:
    """The month's counts that come from the books rather than from a stage."""

    customers: int
    churned_customers: int
    missed_customers: int
    partners_recruited: int
    partners_active: int
    sales_reps: float
    servers: int
    server_hours: float
    vendor_server_hours: float
    racks: int
    capacity_vms: float
    capacity_vm_hours: float
    hours: int
    any_customer: bool
    events: str


def compute_row(
    census: Census,
    admission: Admission,
    pooled: MonthPool,
    bill: Bill,
    availability_by_tier: np.ndarray,
    costs: dict[str, float],
    decision: Decision,
    partner_types: Sequence[str],
) -> dict[str, Any]:
    c, p = census, pooled
    row: dict[str, Any] = {
        "customers": c.customers,
        "new_customers": admission.new_customers,
        "churned_customers": c.churned_customers,
        "lost_customers": admission.lost_customers,
        "missed_customers": c.missed_customers,
        "partners_recruited": c.partners_recruited,
        "partners_active": c.partners_active,
        "sales_reps": c.sales_reps,
        "vms_avg": p.served_vm_hours / c.hours,
        "vms_peak": p.peak_demand,
        "capacity_vms": c.capacity_vms,
        "servers": c.servers,
        "server_hours": c.server_hours,
        "vendor_server_hours": c.vendor_server_hours,
        "racks": c.racks,
        "utilisation": (
            p.served_vm_hours / c.capacity_vm_hours if c.capacity_vm_hours > 0 else 0.0
        ),
        "utilisation_peak": p.utilisation_peak,
        "unserved_vm_hours": p.unserved_vm_hours + admission.lost_vm_hours,
        "vm_hours_served": p.served_vm_hours,
        "pooling_gain": (p.individual_peak_sum / p.peak_demand if p.peak_demand > 0 else math.nan),
        "pooling_mode": p.mode if c.any_customer else "",
        "list_price": bill.list_price,
        "vm_hours_billed": bill.vm_hours_billed,
        "revenue_usage": bill.revenue_usage,
        "revenue_reserved": bill.revenue_reserved,
        "revenue_marketplace": bill.revenue_marketplace,
        "revenue_sla_credits": bill.revenue_sla_credits,
        "partner_discounts": bill.partner_discounts,
        "partner_margin": bill.partner_discounts,
        "partner_margin_per_vm_hour": bill.partner_margin_per_vm_hour,
        "isv_solution_revenue": bill.isv_solution_revenue,
        "upfront_cash": bill.upfront_cash,
    }
    for k, channel in enumerate(CHANNELS):
        row[channel_revenue(channel)] = float(bill.by_channel[k])
    for k, name in enumerate(partner_types):
        row[partner_type_revenue(name)] = float(bill.by_partner_type[k])
    for k, tier in enumerate(SLA_TIERS):
        row[availability(tier)] = float(availability_by_tier[k])
    row["procurement_utilisation"] = decision.procurement_utilisation
    row["servers_ordered"] = decision.servers_ordered
    row.update({opex_line(line): value for line, value in costs.items()})
    row["events"] = c.events
    return row
