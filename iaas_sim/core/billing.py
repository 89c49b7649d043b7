"""Billing: served VM-hours and marketplace sales turned into revenue per stream and channel.

Customers are billed by billing group: channel x SLA tier x partner tier. Partner-channel
customers pay the list price less their partner's discount (by certification tier and by
the environment sold, environment k going with SLA tier k); other channels pay list price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.scenario.types import CHANNELS, PARTNER_TIERS, SLA_TIERS

N_GROUPS = len(CHANNELS) * len(SLA_TIERS) * len(PARTNER_TIERS)
PARTNER_CHANNEL = CHANNELS.index("partners")


GROUP_SLA = np.unravel_index(
    np.arange(N_GROUPS), (len(CHANNELS), len(SLA_TIERS), len(PARTNER_TIERS))
)[1]
"""SLA tier of each billing group."""


def compute_group(channel: np.ndarray, sla: np.ndarray, partner_tier: np.ndarray) -> np.ndarray:
    """Billing group of each customer."""
    return np.asarray((channel * len(SLA_TIERS) + sla) * len(PARTNER_TIERS) + partner_tier)


def compute_group_prices(
    list_price: float, multipliers: np.ndarray, discounts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """List and net price per VM-hour of every billing group.

    ``multipliers`` has one entry per SLA tier; ``discounts`` is partner tier x environment."""
    channel, sla, tier = np.unravel_index(
        np.arange(N_GROUPS), (len(CHANNELS), len(SLA_TIERS), len(PARTNER_TIERS))
    )
    list_prices = list_price * multipliers[sla]
    discount = np.where(channel == PARTNER_CHANNEL, discounts[tier, sla], 0.0)
    return list_prices, list_prices * (1.0 - discount)


def compute_group_channel(values: np.ndarray) -> np.ndarray:
    """Sum per-group values into per-channel values."""
    return np.asarray(values.reshape(len(CHANNELS), -1).sum(axis=1))


@dataclass(frozen=True)
class UsageBill:
    """Usage revenue of a month."""

    revenue_by_channel: np.ndarray
    """Net usage revenue per channel [currency]."""
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
    return UsageBill(compute_group_channel(net), listed, listed - float(net.sum()))


def compute_sla_credits(
    served_by_group: np.ndarray, net_prices: np.ndarray, credit_share_by_tier: np.ndarray
) -> np.ndarray:
    """Credits owed per channel (positive amounts): each tier's credit share of the usage
    revenue billed to that tier's customers."""
    credits = served_by_group * net_prices * credit_share_by_tier[GROUP_SLA]
    return compute_group_channel(credits)


def compute_marketplace(
    active_share: np.ndarray, channel: np.ndarray, solution_revenue: float, provider_share: float
) -> tuple[float, np.ndarray]:
    """ISV solution revenue of the month and the provider's share of it per channel.

    ``active_share`` is, for each customer who bought a solution, the share of the month it
    was active."""
    gross = np.bincount(channel, weights=active_share * solution_revenue, minlength=len(CHANNELS))
    return float(gross.sum()), gross * provider_share
