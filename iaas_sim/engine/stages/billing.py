"""Billing stage: served VM-hours, reservations and marketplace sales turned into revenue by
stream, by channel and by partner type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.core.billing import (
    GROUP_CHANNEL,
    GROUP_RESERVED,
    MAX_PARTNER_TYPES,
    PARTNER_CHANNEL,
    compute_group_channel,
    compute_group_prices,
    compute_group_rates,
    compute_marketplace,
    compute_partner_type_totals,
    compute_reserved_bill,
    compute_sla_credits,
    compute_usage_bill,
)
from iaas_sim.core.outages import compute_credit_share
from iaas_sim.engine.arrivals import compute_term_hours
from iaas_sim.scenario.model import Scenario
from iaas_sim.scenario.sla import CreditStep


@dataclass(frozen=True)
class Tariff:
    """What the scenario in force says about prices, discounts, credits, reservations and
    the marketplace (the list price itself changes month by month)."""

    multipliers: np.ndarray
    """Price multiplier per SLA tier."""
    discounts: np.ndarray
    """Partner discount: partner type x certification tier x environment (unused type
    slots at 0)."""
    credit_schedules: tuple[tuple[CreditStep, ...], ...]
    """Credit steps per SLA tier."""
    term_hours: int
    """A reservation term [hours]."""
    upfront_per_vm: float
    hourly_discount: float
    solution_revenue_per_customer_month: float
    provider_share: float
    """The provider's share of marketplace sales."""


def compute_tariff(sc: Scenario) -> Tariff:
    discounts = np.zeros((MAX_PARTNER_TYPES, 3, 3))
    for k, ptype in enumerate(sc.channels.partners.types):
        discounts[k] = ptype.discounts.grid()
    return Tariff(
        multipliers=np.array(sc.pricing.sla_multipliers.as_tuple()),
        discounts=discounts,
        credit_schedules=tuple(tuple(c) for c in sc.sla.credit_schedules()),
        term_hours=compute_term_hours(sc.reserved.term_months),
        upfront_per_vm=sc.reserved.upfront_per_vm,
        hourly_discount=sc.reserved.hourly_discount,
        solution_revenue_per_customer_month=sc.marketplace.solution_revenue_per_customer_month,
        provider_share=sc.marketplace.provider_share,
    )


@dataclass(frozen=True)
class BillingInput:
    tariff: Tariff
    list_price: float
    """List price of a VM-hour this month."""
    served_by_group: np.ndarray
    """Served VM-hours per billing group."""
    availability: np.ndarray
    """Availability of each SLA tier over the month."""
    vms: np.ndarray
    group: np.ndarray
    start: np.ndarray
    end: np.ndarray
    attached: np.ndarray
    reserved: np.ndarray
    """The customers active this month: VMs, billing group, first and last hour, whether
    they bought a marketplace solution, whether they hold a reservation."""
    month_start: int
    month_end: int


@dataclass(frozen=True)
class Bill:
    list_price: float
    vm_hours_billed: float
    revenue_usage: float
    revenue_reserved: float
    revenue_marketplace: float
    revenue_sla_credits: float
    """Credits owed (zero or negative)."""
    partner_discounts: float
    partner_margin_per_vm_hour: float
    isv_solution_revenue: float
    upfront_cash: float
    """Upfront reservation fees paid this month."""
    recognised_upfront: float
    """Upfront fees recognised as revenue this month."""
    by_channel: np.ndarray
    """Revenue per channel."""
    by_partner_type: np.ndarray
    """Revenue per partner type (``MAX_PARTNER_TYPES`` slots)."""


def bill(inputs: BillingInput) -> Bill:
    """Every revenue stream and channel of the month."""
    t, t0, t1 = inputs.tariff, inputs.month_start, inputs.month_end
    served = inputs.served_by_group
    list_prices, net_prices = compute_group_prices(inputs.list_price, t.multipliers, t.discounts)
    usage = compute_usage_bill(served, list_prices, net_prices)
    shares = np.array(
        [
            compute_credit_share(a, list(credits))
            for a, credits in zip(inputs.availability, t.credit_schedules, strict=True)
        ]
    )
    credits = compute_sla_credits(served, net_prices, shares)
    r = inputs.reserved
    list_rates, net_rates = compute_group_rates(inputs.list_price, t.multipliers, t.discounts)
    reserved = compute_reserved_bill(
        inputs.vms[r],
        inputs.group[r],
        inputs.start[r],
        inputs.end[r],
        t0,
        t1,
        t.term_hours,
        t.upfront_per_vm,
        t.hourly_discount,
        list_rates,
        net_rates,
    )
    share = (np.minimum(inputs.end, t1) - np.maximum(inputs.start, t0)) / (t1 - t0)
    a = inputs.attached
    isv, marketplace = compute_marketplace(
        share[a], inputs.group[a], t.solution_revenue_per_customer_month, t.provider_share
    )
    payg_partner = (GROUP_CHANNEL == PARTNER_CHANNEL) & (GROUP_RESERVED == 0)
    partner_hours = float(served[payg_partner].sum()) + reserved.partner_vm_hours
    partner_margin = usage.partner_discounts + reserved.partner_discounts
    reserved_by_group = reserved.hourly_by_group + reserved.recognised_by_group
    total = usage.net_by_group + reserved_by_group + marketplace - credits
    return Bill(
        list_price=inputs.list_price,
        vm_hours_billed=float(served[GROUP_RESERVED == 0].sum()) + reserved.vm_hours,
        revenue_usage=float(usage.net_by_group.sum()),
        revenue_reserved=float(reserved_by_group.sum()),
        revenue_marketplace=float(marketplace.sum()),
        revenue_sla_credits=0.0 - float(credits.sum()),
        partner_discounts=partner_margin,
        partner_margin_per_vm_hour=(
            partner_margin / partner_hours if partner_hours > 0 else float("nan")
        ),
        isv_solution_revenue=isv,
        upfront_cash=reserved.upfront_cash,
        recognised_upfront=float(reserved.recognised_by_group.sum()),
        by_channel=compute_group_channel(total),
        by_partner_type=compute_partner_type_totals(total),
    )
