"""Costs stage: the month's operating cost lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.core.calendar import MonthGrid, compute_schedule
from iaas_sim.scenario.model import Scenario


@dataclass(frozen=True)
class CostPlan:
    """What the scenario in force says about costs, month by month where it changes."""

    staff: np.ndarray
    """Loaded staff cost of each month of the run."""
    marketing: np.ndarray
    """Marketing spend of each month of the run."""
    power_w_per_server: float
    pue: float
    electricity_price_per_kwh: float
    colocation_per_rack_month: float
    maintenance_share_of_capex_per_year: float
    cost_per_rep_per_year: float
    programme_cost_per_partner_per_month: tuple[float, ...]
    """Per partner type."""
    vendor_revenue_share: float


def compute_cost_plan(sc: Scenario, grid: MonthGrid) -> CostPlan:
    costs = sc.costs
    staff = sum(
        (compute_schedule(r.headcount, grid) * r.loaded_cost_per_year / 12.0 for r in costs.staff),
        np.zeros(grid.n_months),
    )
    return CostPlan(
        staff=staff,
        marketing=compute_schedule(costs.marketing_per_month, grid),
        power_w_per_server=costs.power_w_per_server,
        pue=costs.pue,
        electricity_price_per_kwh=costs.electricity_price_per_kwh,
        colocation_per_rack_month=costs.colocation_per_rack_month,
        maintenance_share_of_capex_per_year=costs.maintenance_share_of_capex_per_year,
        cost_per_rep_per_year=sc.channels.direct_sales.cost_per_rep_per_year,
        programme_cost_per_partner_per_month=tuple(
            t.programme_cost_per_partner_per_month for t in sc.channels.partners.types
        ),
        vendor_revenue_share=sc.capacity.vendor_revenue_share,
    )


@dataclass(frozen=True)
class CostInput:
    plan: CostPlan
    month: int
    server_hours: float
    vendor_server_hours: float
    """Server-hours of the servers the vendor installed (it takes a share of their revenue)."""
    racks: int
    installed_capex: float
    """Capex of the servers put in service so far."""
    sales_reps: float
    partners_recruited: np.ndarray
    """Partners recruited so far, per partner type of the scenario."""
    vendor_revenue_base: float
    """Usage and reserved revenue of the month (the vendor's share applies to it)."""


def compute_costs(inputs: CostInput) -> dict[str, float]:
    """Every operating cost line of the month, by line name."""
    p, m = inputs.plan, inputs.month
    kwh = inputs.server_hours * p.power_w_per_server * p.pue / 1000.0
    vendor_part = (
        inputs.vendor_server_hours / inputs.server_hours if inputs.server_hours > 0 else 0.0
    )
    return {
        "power": kwh * p.electricity_price_per_kwh,
        "colocation": inputs.racks * p.colocation_per_rack_month,
        "maintenance": inputs.installed_capex * p.maintenance_share_of_capex_per_year / 12.0,
        "staff": float(p.staff[m]),
        "sales_force": inputs.sales_reps * p.cost_per_rep_per_year / 12.0,
        "partner_programme": float(
            np.dot(inputs.partners_recruited, list(p.programme_cost_per_partner_per_month))
        ),
        "marketing": float(p.marketing[m]),
        "vendor_share": p.vendor_revenue_share * inputs.vendor_revenue_base * vendor_part,
    }
