"""Billing: served VM-hours and marketplace sales turned into revenue per stream and channel.

Customers are billed by billing group: channel x SLA tier x partner tier x reserved.
Partner-channel customers pay the list price less their partner's discount (by
certification tier and by the environment sold, environment k going with SLA tier k); other
channels pay list price. Customers with a reservation pay no usage: their VMs are billed
hour by hour at the reserved rate whether used or not, plus an upfront fee per term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.scenario.types import CHANNELS, PARTNER_TIERS, SLA_TIERS

MAX_PARTNER_TYPES = 8
GROUP_SHAPE = (len(CHANNELS), len(SLA_TIERS), len(PARTNER_TIERS), 2, MAX_PARTNER_TYPES)
"""Billing groups: channel x SLA tier x partner tier x reserved (0 or 1) x partner type."""
N_GROUPS = int(np.prod(GROUP_SHAPE))
PARTNER_CHANNEL = CHANNELS.index("partners")
GROUP_CHANNEL, GROUP_SLA, GROUP_TIER, GROUP_RESERVED, GROUP_PTYPE = np.unravel_index(
    np.arange(N_GROUPS), GROUP_SHAPE
)
"""Channel, SLA tier, partner tier, reservation and partner type of each billing group."""


def compute_group(
    channel: np.ndarray,
    sla: np.ndarray,
    partner_tier: np.ndarray,
    reserved: np.ndarray,
    ptype: np.ndarray,
) -> np.ndarray:
    """Billing group of each customer (tier and type 0 outside the partner channel)."""
    return np.asarray(
        np.ravel_multi_index(
            (channel, sla, partner_tier, reserved.astype(np.int64), ptype), GROUP_SHAPE
        )
    )


def compute_group_rates(
    list_price: float, multipliers: np.ndarray, discounts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """List and net price per VM-hour of every billing group (reserved or not).

    ``multipliers`` has one entry per SLA tier; ``discounts`` is partner type x partner tier
    x environment."""
    list_rates = list_price * multipliers[GROUP_SLA]
    partner_discount = discounts[GROUP_PTYPE, GROUP_TIER, GROUP_SLA]
    discount = np.where(GROUP_CHANNEL == PARTNER_CHANNEL, partner_discount, 0.0)
    return list_rates, list_rates * (1.0 - discount)


def compute_group_prices(
    list_price: float, multipliers: np.ndarray, discounts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """List and net usage price per VM-hour of every billing group: 0 for reserved groups,
    whose usage is paid by their reservation."""
    list_rates, net_rates = compute_group_rates(list_price, multipliers, discounts)
    payg = GROUP_RESERVED == 0
    return list_rates * payg, net_rates * payg


def compute_group_channel(values: np.ndarray) -> np.ndarray:
    """Sum per-group values into per-channel values."""
    return np.asarray(values.reshape(len(CHANNELS), -1).sum(axis=1))


def compute_partner_type_totals(values: np.ndarray) -> np.ndarray:
    """Sum per-group values of the partner channel into per-partner-type values."""
    partner = GROUP_CHANNEL == PARTNER_CHANNEL
    return np.bincount(GROUP_PTYPE[partner], weights=values[partner], minlength=MAX_PARTNER_TYPES)


@dataclass(frozen=True)
class UsageBill:
    """Usage revenue of a month."""

    net_by_group: np.ndarray
    """Net usage revenue per billing group [currency]."""
    list_value: float
    """Served VM-hours at list price (SLA multipliers included) [currency]."""
    partner_discounts: float
    """Discounts granted to partners, list value minus net revenue [currency]."""


def compute_usage_bill(
    served_by_group: np.ndarray, list_prices: np.ndarray, net_prices: np.ndarray
) -> UsageBill:
    """Usage revenue = served VM-hours x list price x SLA multiplier (x (1 - discount))."""
    net = served_by_group * net_prices
    listed = float((served_by_group * list_prices).sum())
    return UsageBill(net, listed, listed - float(net.sum()))


@dataclass(frozen=True)
class ReservedBill:
    """What reservations bring in a month."""

    hourly_by_group: np.ndarray
    """Reserved VM-hours at the reserved rate, per billing group [currency]."""
    recognised_by_group: np.ndarray
    """Upfront fees recognised this month (evenly over each term), per billing group
    [currency]."""
    upfront_cash: float
    """Upfront fees paid this month, at the start of each term [currency]."""
    vm_hours: float
    """Reserved VM-hours billed [VM-hours]."""
    partner_discounts: float
    """Partner discounts on reserved hourly charges [currency]."""
    partner_vm_hours: float
    """Reserved VM-hours sold through partners [VM-hours]."""


def compute_reserved_bill(
    vms: np.ndarray,
    group: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    t0: int,
    t1: int,
    term_hours: int,
    upfront_per_vm: float,
    hourly_discount: float,
    list_rates: np.ndarray,
    net_rates: np.ndarray,
) -> ReservedBill:
    """Reserved customers' bill for the month ``[t0, t1)``: every reserved VM-hour at
    ``net rate x (1 - hourly_discount)``, used or not; upfront fees recognised per hour of
    each term; upfront cash for every term starting in the month."""
    hours = np.clip(np.minimum(end, t1) - np.maximum(start, t0), 0, None).astype(float)
    rate = 1.0 - hourly_discount
    hourly = vms * hours * net_rates[group] * rate
    recognised = vms * hours * upfront_per_vm / term_hours
    # Terms start at start + k * term_hours, k = 0, 1, … while the customer stays.
    first = np.maximum(0, -np.floor_divide(start - t0, term_hours))
    last = -np.floor_divide(start - np.minimum(t1, end), term_hours)
    terms = np.maximum(0, last - first)
    partner = GROUP_CHANNEL[group] == PARTNER_CHANNEL
    return ReservedBill(
        hourly_by_group=np.bincount(group, weights=hourly, minlength=N_GROUPS),
        recognised_by_group=np.bincount(group, weights=recognised, minlength=N_GROUPS),
        upfront_cash=float(np.sum(vms * terms) * upfront_per_vm),
        vm_hours=float(np.sum(vms * hours)),
        partner_discounts=float(
            np.sum((vms * hours * (list_rates[group] - net_rates[group]) * rate)[partner])
        ),
        partner_vm_hours=float(np.sum((vms * hours)[partner])),
    )


def compute_sla_credits(
    served_by_group: np.ndarray, net_prices: np.ndarray, credit_share_by_tier: np.ndarray
) -> np.ndarray:
    """Credits owed per billing group (positive amounts): each tier's credit share of the
    usage revenue billed to that tier's customers."""
    return np.asarray(served_by_group * net_prices * credit_share_by_tier[GROUP_SLA])


def compute_marketplace(
    active_share: np.ndarray, group: np.ndarray, solution_revenue: float, provider_share: float
) -> tuple[float, np.ndarray]:
    """ISV solution revenue of the month and the provider's share of it per billing group.

    ``active_share`` is, for each customer who bought a solution, the share of the month it
    was active."""
    gross = np.bincount(group, weights=active_share * solution_revenue, minlength=N_GROUPS)
    return float(gross.sum()), gross * provider_share
