"""The resource guard: before a run, an upper bound of the customers it can sign, the memory
their book needs and the time it takes; a run that cannot fit in this machine's memory is
refused before it starts, naming the segment that makes it too big.

The bounds are measured, not guessed (``benchmarks/bench_guard.py`` prints them): the book
and the month's arrays cost about 250 bytes a customer (400 are counted), a month costs a
few milliseconds and a customer about 10 microseconds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from iaas_sim.scenario import Problem, Scenario, ScenarioError

BYTES_PER_CUSTOMER = 400
BASE_BYTES = 300 * 2**20
"""The interpreter, numpy, pandas, SimPy and a run's fixed arrays."""
SECONDS_PER_MONTH = 0.01
SECONDS_PER_CUSTOMER = 2e-5
MEMORY_SHARE = 0.8
"""Share of the memory available now that one run may take."""


@dataclass(frozen=True)
class Estimate:
    """Upper bounds for one replication."""

    customers: float
    """Customers the run can sign at most (initial ones included)."""
    by_segment: dict[str, float]
    memory_bytes: float
    seconds: float


def estimate(scenario: Scenario) -> Estimate:
    """Customers, memory and time at most: each segment signs at most its initial customers
    plus, per channel, its potential customers times the channel's share, where the direct
    sales force and the partners also cap what they can reach over the run."""
    months = scenario.run.months
    channels = scenario.channels
    direct_reach = (
        _peak(channels.direct_sales.reps) * channels.direct_sales.deals_per_rep_per_month * months
    )
    partner_reach = sum(
        (t.initial_partners + _peak(t.recruited_per_month) * months)
        * t.customers_per_active_partner_per_month
        * months
        for t in channels.partners.types
    )
    changed = _mixes_set_by_events(scenario)
    by_segment = {}
    for seg in scenario.segments:
        mix = {k: float(v) for k, v in seg.channel_mix.model_dump().items()}
        for other in changed.get(seg.name, []):
            mix = {k: max(mix.get(k, 0.0), float(other.get(k, 0.0))) for k in mix}
        potential = seg.potential_customers
        by_segment[seg.name] = (
            seg.initial_customers
            + potential * mix.get("web", 0.0)
            + min(potential * mix.get("direct_sales", 0.0), direct_reach)
            + min(potential * mix.get("partners", 0.0), partner_reach)
        )
    customers = sum(by_segment.values())
    return Estimate(
        customers,
        by_segment,
        BASE_BYTES + BYTES_PER_CUSTOMER * customers,
        SECONDS_PER_MONTH * months + SECONDS_PER_CUSTOMER * customers,
    )


def check_resources(scenario: Scenario, available: float | None = None) -> Estimate:
    """The estimate; ``ScenarioError`` when its memory exceeds ``MEMORY_SHARE`` of the
    memory ``available`` (default: what this machine has free now)."""
    found = estimate(scenario)
    free = available_memory() if available is None else available
    if free and found.memory_bytes > MEMORY_SHARE * free:
        index, name = max(enumerate(found.by_segment), key=lambda item: found.by_segment[item[1]])
        seg = scenario.segments[index]
        raise ScenarioError(
            [
                Problem(
                    f"segments[{index}].potential_customers",
                    f"segment '{name}' can sign up to {found.by_segment[name]:,.0f} customers "
                    f"({found.customers:,.0f} in all), whose book needs about "
                    f"{_size(found.memory_bytes)}, more than this machine can give a run "
                    f"({_size(free)} free); lower the potential customers or split the "
                    "scenario",
                    seg.potential_customers,
                    True,
                )
            ]
        )
    return found


def available_memory() -> float:
    """Memory available now, in bytes (``MemAvailable``; the physical memory elsewhere; 0
    when unknown, which disables the check)."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0.0


def _peak(schedule: Any) -> float:
    if isinstance(schedule, list):
        return max((float(step.value) for step in schedule), default=0.0)
    return float(schedule)


def _mixes_set_by_events(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Segment name -> channel mixes that dated events set for it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for event in scenario.events:
        segments = event.set.get("segments", {}) if isinstance(event.set, dict) else {}
        if isinstance(segments, dict):
            for name, change in segments.items():
                if isinstance(change, dict) and isinstance(change.get("channel_mix"), dict):
                    found.setdefault(str(name), []).append(change["channel_mix"])
    return found


def _size(n: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} bytes"
