"""Procurement stage: the servers installed, and how many to order when utilisation (now or
forecast one lead time ahead) is above the high threshold."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from iaas_sim.core.procurement import compute_forecast, compute_order


@dataclass(frozen=True)
class Delivery:
    hour: int
    """Hour the servers enter service."""
    servers: int
    vendor_servers: int
    """Of which the vendor installs (and takes a revenue share for)."""


def compute_installed(
    deliveries: tuple[Delivery, ...] | list[Delivery], t0: int, t1: int
) -> tuple[np.ndarray, np.ndarray]:
    """Installed servers at each hour of ``[t0, t1)``, and how many are the vendor's."""
    servers, vendor = np.zeros(t1 - t0), np.zeros(t1 - t0)
    for d in deliveries:
        if d.hour < t1:
            servers[max(d.hour - t0, 0) :] += d.servers
            vendor[max(d.hour - t0, 0) :] += d.vendor_servers
    return servers, vendor


@dataclass(frozen=True)
class ProcurementInput:
    history: tuple[float, ...]
    """Demand basis of the months before this one [VMs]."""
    peak: float
    """This month's peak hourly demand [VMs]."""
    mean: float
    """This month's mean hourly demand [VMs]."""
    lost_peak: float
    """Peak VMs of the customers refused at admission (counted as demand)."""
    capacity_end: float
    """Capacity at the month's last hour [VMs]."""
    servers_planned: int
    """Servers delivered by the month's end plus those still on order."""
    utilisation_basis: str
    """``peak`` or ``mean``."""
    forecast: bool
    lead_time_months: float
    high: float
    target: float
    vms_per_server: int
    min_order_servers: int


@dataclass(frozen=True)
class Decision:
    servers_ordered: int
    procurement_utilisation: float
    """Demand basis over capacity at the month's end (NaN: demand and no capacity)."""
    history: tuple[float, ...]
    """The demand history with this month's basis added."""


def decide(inputs: ProcurementInput) -> Decision:
    """Order servers when demand over planned capacity is above ``high``, to bring it back
    to ``target``; demand refused at admission counts as demand."""
    i = inputs
    basis = (i.peak if i.utilisation_basis == "peak" else i.mean) + i.lost_peak
    history = (*i.history, basis)
    demand = compute_forecast(np.array(history), i.lead_time_months + 1.0) if i.forecast else basis
    n = compute_order(
        demand,
        i.servers_planned * i.vms_per_server,
        i.high,
        i.target,
        i.vms_per_server,
        i.min_order_servers,
    )
    return Decision(n, compute_procurement_utilisation(basis, i.capacity_end), history)


def compute_procurement_utilisation(basis: float, capacity: float) -> float:
    """Demand over capacity; demand with no capacity has no ratio (NaN), no demand uses
    none (0)."""
    if capacity > 0:
        return basis / capacity
    return math.nan if basis > 0 else 0.0
