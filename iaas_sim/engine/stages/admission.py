"""Admission stage: the month's arrivals against the capacity installed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from iaas_sim.core.admission import Customers, compute_admission


@dataclass(frozen=True)
class AdmissionInput:
    arrivals: Mapping[str, np.ndarray] | None
    """Customers arriving this month, in arrival order (one array per book field, plus
    ``time``); None or empty: nobody."""
    present_vms: np.ndarray
    """VMs of the customers present at the month's first hour."""
    present_profile: np.ndarray
    """Their usage profiles."""
    present_end: np.ndarray
    """The first hour each is no longer there (those leaving during the month free their
    capacity from then)."""
    capacity_vms: np.ndarray
    """Capacity at each hour of the month [VMs]."""
    shapes: np.ndarray
    """Usage profile shapes (profiles x 168 hours)."""
    shape_mean: np.ndarray
    """Mean of each shape over the week."""
    shape_peak: np.ndarray
    """Peak of each shape over the week."""
    max_utilisation: float
    month_start: int
    """First hour of the month."""
    month_end: int
    """First hour of the next month."""


@dataclass(frozen=True)
class Admission:
    admitted: Mapping[str, np.ndarray] = field(default_factory=dict)
    """The customers admitted (same fields as the arrivals; empty: none)."""
    new_customers: int = 0
    lost_customers: int = 0
    """Refused: they would not fit."""
    lost_vm_hours: float = 0.0
    """Expected VM-hours of the refused customers until the month's end."""
    lost_peak_vms: float = 0.0
    """Peak VMs of the refused customers (procurement counts them as demand)."""


def admit(inputs: AdmissionInput) -> Admission:
    """Admit, first come first served, the arrivals whose expected load fits."""
    batch = inputs.arrivals
    if batch is None or len(batch["vms"]) == 0:
        return Admission()
    t0, t1 = inputs.month_start, inputs.month_end
    at_arrival = inputs.capacity_vms[np.clip(batch["start"] - t0, 0, t1 - t0 - 1)]
    present = Customers(
        inputs.present_vms,
        inputs.present_profile,
        np.full(len(inputs.present_vms), t0),
        inputs.present_end,
    )
    arrivals = Customers(batch["vms"], batch["profile"], batch["start"], batch["end"])
    ok = compute_admission(
        arrivals, present, at_arrival, inputs.shapes, inputs.max_utilisation, t0, t1 - t0
    )
    refused = ~ok
    profile, vms = batch["profile"][refused], batch["vms"][refused]
    return Admission(
        admitted={k: v[ok] for k, v in batch.items()},
        new_customers=int(ok.sum()),
        lost_customers=int(refused.sum()),
        lost_vm_hours=float(
            np.sum(vms * inputs.shape_mean[profile] * (t1 - batch["start"][refused]))
        ),
        lost_peak_vms=float(np.sum(vms * inputs.shape_peak[profile])),
    )
