"""Procurement: how many servers to order, from utilisation and the 55/75/85 % thresholds."""

from __future__ import annotations

import math

import numpy as np


def compute_forecast(history: np.ndarray, months_ahead: float) -> float:
    """Demand ``months_ahead`` after the last of ``history`` by a least-squares line through
    the last three months, never below the last month's demand."""
    recent = np.asarray(history[-3:], dtype=float)
    if len(recent) < 2:
        return float(recent[-1]) if len(recent) else 0.0
    x = np.arange(len(recent), dtype=float)
    slope, intercept = np.polyfit(x, recent, 1)
    ahead = intercept + slope * (x[-1] + months_ahead)
    return float(max(recent[-1], ahead))


def compute_order(
    demand: float,
    capacity_planned: float,
    high: float,
    target: float,
    vms_per_server: int,
    min_order_servers: int,
) -> int:
    """Servers to order so that ``demand / capacity`` comes back to ``target`` when it is above
    ``high`` (``capacity_planned`` counts installed and ordered capacity, in VMs)."""
    if demand <= 0.0:
        return 0
    if capacity_planned > 0 and demand / capacity_planned <= high:
        return 0
    missing_vms = demand / target - capacity_planned
    if missing_vms <= 0:
        return 0
    return max(min_order_servers, math.ceil(missing_vms / vms_per_server))
