"""Promotion stage: partners move up a certification tier when the VMs of their customers
(this month's customers, their own use included) reach the thresholds; the billing groups of
all their customers follow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iaas_sim.core.billing import compute_group


@dataclass(frozen=True)
class PromotionInput:
    partner_tier: np.ndarray
    """Certification tier of every partner (0 registered, 1 certified, 2 premium)."""
    certified_from_vms: int | None
    premium_from_vms: int | None
    month_partner: np.ndarray
    """Partner of each customer active this month (-1: none)."""
    month_vms: np.ndarray
    """VMs of each customer active this month."""
    partner: np.ndarray
    """Partner of every customer in the book (-1: none)."""
    channel: np.ndarray
    sla: np.ndarray
    reserved: np.ndarray
    ptype: np.ndarray
    """Channel, SLA tier, reservation and partner type of every customer in the book."""


@dataclass(frozen=True)
class Promotion:
    partner_tier: np.ndarray
    """Every partner's tier after the month."""
    rows: np.ndarray
    """Book rows of the customers whose partner moved up."""
    customer_tier: np.ndarray
    """Their partner's new tier."""
    group: np.ndarray
    """Their new billing group."""


NO_ROWS = np.zeros(0, dtype=np.int64)


def compute_promoted_tiers(
    tier: np.ndarray, vms_sold: np.ndarray, certified_from: int | None, premium_from: int | None
) -> np.ndarray:
    """Each partner's tier once its customers' VMs reach the thresholds (never down)."""
    target = tier.copy()
    if certified_from is not None:
        target = np.where(vms_sold >= certified_from, np.maximum(target, 1), target)
    if premium_from is not None:
        target = np.where(vms_sold >= premium_from, 2, target)
    return target


def promote(inputs: PromotionInput) -> Promotion:
    """The partners promoted this month and the customers whose billing group changes."""
    tier = inputs.partner_tier
    unchanged = Promotion(tier, NO_ROWS, NO_ROWS, NO_ROWS)
    if (inputs.certified_from_vms is None and inputs.premium_from_vms is None) or not len(tier):
        return unchanged
    mine = inputs.month_partner >= 0
    sold = np.bincount(
        inputs.month_partner[mine], weights=inputs.month_vms[mine], minlength=len(tier)
    )
    target = compute_promoted_tiers(tier, sold, inputs.certified_from_vms, inputs.premium_from_vms)
    changed = np.flatnonzero(target != tier)
    if not len(changed):
        return Promotion(target, NO_ROWS, NO_ROWS, NO_ROWS)
    rows = np.flatnonzero(np.isin(inputs.partner, changed))
    new_tier = target[inputs.partner[rows]]
    group = compute_group(
        inputs.channel[rows], inputs.sla[rows], new_tier, inputs.reserved[rows], inputs.ptype[rows]
    )
    return Promotion(target, rows, new_tier, group)
