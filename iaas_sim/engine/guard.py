"""The resource guard: before a run, upper bounds of what it will cost, from its inputs
alone, and a refusal naming the key that makes it too big.

For every mechanism whose cost grows with an input, the guard bounds the units of work
(customers signed, customer-hours pooled one by one, segment-months, events, partners,
reference customers, servers) and prices them in bytes and seconds with constants measured
by ``benchmarks/bench_guard.py`` and ``benchmarks/bench_guard_cost.py`` (about twice what
they measured). Its verdict depends only on the scenario and the limits it is given, never
on the load of the moment: the entry points (``monte_carlo``, ``sweep``, ``sensitivity``,
``solve``, ``pooling_curve`` and the command line) check once, before anything runs, with
fixed default limits; the command line takes a share of the machine's memory (physical or
the container's cap), not of the memory free now.

Refusals end with ``RAISE_LIMITS``; the command line shows its own way to do that.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iaas_sim.scenario import Problem, Scenario, ScenarioError
from iaas_sim.scenario.load import scenario_to_dict
from iaas_sim.scenario.overrides import apply_overrides, flatten_changes, get_path
from iaas_sim.scenario.types import MAX_PRICE_RESPONSE

RAISE_LIMITS = "raise the limits to run anyway"
"""How a refusal ends (``Limits`` larger, or ``UNLIMITED``)."""

BASE_BYTES = 300 * 2**20
"""The interpreter, numpy, pandas, SimPy and a run's fixed arrays (186 MiB measured)."""
BLOCK = 16_384
"""Customers pooled one by one at once, and arrivals admitted at once."""

# Measured by benchmarks/bench_guard_cost.py (CPU seconds, bytes), counted about twice.
SECONDS_FIXED = 0.05
SECONDS_PER_MONTH = 2.5e-3
SECONDS_PER_BLOCK_MONTH = 4e-3
"""The hour loop of one block of customers pooled one by one, a month."""
SECONDS_PER_POOLED_CUSTOMER_MONTH = 1.7e-5
"""A customer's month pooled one by one (730 hourly draws)."""
SECONDS_PER_CUSTOMER_MONTH = 1e-7
"""A customer of the book scanned in a month (churned ones stay in the book)."""
SECONDS_PER_CUSTOMER = 1.2e-5
"""Signing, admitting, churning and billing one customer."""
SECONDS_PER_SEGMENT_MONTH = 6e-5
SECONDS_PER_CLASS_MONTH_ONE_BY_ONE = 3.5e-4
"""A cohort (or demand class) of a month pooled one by one."""
SECONDS_PER_COHORT_MONTH = 1.2e-4
SECONDS_PER_REFERENCE_MONTH = 6e-5
"""A reference customer of a demand class, a month pooled by cohort."""
SECONDS_PER_PARTNER_MONTH = 4e-8
SECONDS_PER_EVENT = 1e-3
"""Applying and re-validating one dated event, at load and in the run (4.2e-4 measured:
linear since the scenarios in force carry no events)."""
SECONDS_PER_EVENT_SEGMENT = 7e-5

BYTES_PER_MONTH = 8e3
BYTES_PER_CUSTOMER = 400
"""The customer book and a month's arrays, per customer signed."""
BYTES_PER_POOLED_CUSTOMER = 500
BYTES_PER_ARRIVAL = 8.5e3
"""Admission's weekly loads, per arrival of a block."""
BYTES_PER_COHORT = 7.5e4
BYTES_PER_REFERENCE = 6.4e4
BYTES_PER_PARTNER = 100
BYTES_PER_EVENT = 4.5e4
BYTES_PER_EVENT_SEGMENT = 5.5e3
"""The scenario in force after an event: a fixed part and one per segment."""

MAX_SERVERS = 1e9
"""Servers a run can own: beyond, the capacity arrays are meaningless."""

DEFAULT_MEMORY_BYTES = 8 * 2**30
DEFAULT_SECONDS = 3600.0
MEMORY_SHARE = 0.8
"""Share of the memory available when a command starts that its runs may take."""
NOTICE_SECONDS = 60.0
"""Commands estimated to take longer say so before they start."""


@dataclass(frozen=True)
class Limits:
    """What one command may use: memory at once, and time in all."""

    memory_bytes: float = DEFAULT_MEMORY_BYTES
    seconds: float = DEFAULT_SECONDS


DEFAULT_LIMITS = Limits()
"""The limits of ``simulate``: the same verdict on every machine."""
UNLIMITED = Limits(math.inf, math.inf)


@dataclass(frozen=True)
class Estimate:
    """Upper bounds for one replication."""

    customers: float
    """Customers the run can sign at most (initial ones included)."""
    by_segment: dict[str, float]
    memory_bytes: float
    seconds: float
    output_bytes: float = 0.0
    """Size of a run's output files (tables and a chart)."""
    memory_by_key: dict[str, float] = field(default_factory=dict)
    """Bytes each scaling input accounts for, by its key."""
    seconds_by_key: dict[str, float] = field(default_factory=dict)
    """Seconds each scaling input accounts for, by its key."""
    servers: float = 0.0
    """Servers the run can need at most."""
    memory_source: Scenario | None = None
    """The scenario (a sweep point, uncertain inputs at their ends) the memory is for."""
    time_source: Scenario | None = None
    """The scenario the time is for."""


SCALING_KEYS = frozenset(
    {
        "potential_customers",
        "reps",
        "deals_per_rep_per_month",
        "recruited_per_month",
        "customers_per_active_partner_per_month",
        "own_vms_per_active_partner",
        "reference_customers",
        "auto_max_customers",
        "mode",
    }
)
"""Keys that dated events may raise and that the guard's bounds grow with."""


def estimate(scenario: Scenario) -> Estimate:
    """Customers, memory and time at most (see the module's docstring), with every key
    that dated events can raise at the highest value any event gives it."""
    changes = event_changes(scenario)
    sc = _at_event_peaks(scenario, changes)
    months = sc.run.months
    by_segment = _customers_by_segment(sc, changes)
    types = sc.channels.partners.types
    partners = sum(t.initial_partners + _peak(t.recruited_per_month) * months for t in types)
    own_use = sum(
        t.initial_partners + _peak(t.recruited_per_month) * months
        for t in types
        if t.own_vms_per_active_partner > 0
    )
    customers = sum(by_segment.values()) + own_use
    mode = sc.pooling.mode
    one_by_one = {"per_customer": customers, "cohort": 0.0}.get(
        mode, min(customers, float(sc.pooling.auto_max_customers))
    )
    classes = len(sc.segments) + (own_use > 0) + _classes_set_by_events(changes)
    cohorts = min(customers, _cohorts(sc, classes, changes))
    reference = sc.pooling.reference_customers
    # A month is pooled one by one or by cohort (``auto`` takes the dearer, as a bound).
    month_one_by_one = (
        SECONDS_PER_BLOCK_MONTH * math.ceil(one_by_one / BLOCK)
        + SECONDS_PER_POOLED_CUSTOMER_MONTH * one_by_one
        + SECONDS_PER_CLASS_MONTH_ONE_BY_ONE * classes
    )
    month_cohorts = SECONDS_PER_COHORT_MONTH * cohorts
    month_reference = SECONDS_PER_REFERENCE_MONTH * reference * classes
    if mode == "per_customer":
        month_cohorts = month_reference = 0.0
    elif mode == "cohort":
        month_one_by_one = 0.0
    elif month_one_by_one > month_cohorts + month_reference:
        month_cohorts = month_reference = 0.0
    else:
        month_one_by_one = 0.0
    seg_key = _segment_key(sc, by_segment)
    partner_key = _partner_key(sc)
    events = len(scenario.events)
    memory: dict[str, float] = {
        "run.months": BYTES_PER_MONTH * months,
        seg_key: BYTES_PER_CUSTOMER * customers
        + BYTES_PER_POOLED_CUSTOMER * one_by_one
        + BYTES_PER_ARRIVAL * min(_largest_month(sc, by_segment, own_use), BLOCK),
        "segments": BYTES_PER_COHORT * cohorts,
        "pooling.reference_customers": BYTES_PER_REFERENCE * reference * (mode != "per_customer"),
        partner_key: BYTES_PER_PARTNER * partners,
        "events": (BYTES_PER_EVENT + BYTES_PER_EVENT_SEGMENT * len(sc.segments)) * events,
    }
    seconds: dict[str, float] = {
        "run.months": SECONDS_FIXED + SECONDS_PER_MONTH * months,
        seg_key: SECONDS_PER_CUSTOMER_MONTH * customers * months
        + SECONDS_PER_CUSTOMER * customers
        + (month_one_by_one - SECONDS_PER_CLASS_MONTH_ONE_BY_ONE * classes * (month_one_by_one > 0))
        * months,
        "segments": (
            SECONDS_PER_SEGMENT_MONTH * len(sc.segments)
            + month_cohorts
            + SECONDS_PER_CLASS_MONTH_ONE_BY_ONE * classes * (month_one_by_one > 0)
        )
        * months,
        "pooling.reference_customers": month_reference * months,
        partner_key: SECONDS_PER_PARTNER_MONTH * partners * months,
        "events": (SECONDS_PER_EVENT + SECONDS_PER_EVENT_SEGMENT * len(sc.segments)) * events,
    }
    servers = _servers(sc, customers)
    return Estimate(
        customers,
        by_segment,
        BASE_BYTES + sum(memory.values()),
        sum(seconds.values()),
        output_bytes=3 * months * 150 * 20 + 2**20,
        memory_by_key=memory,
        seconds_by_key=seconds,
        servers=servers,
        memory_source=scenario,
        time_source=scenario,
    )


def estimate_worst(
    scenario: Scenario, ranges: Mapping[str, Sequence[Any]] | None = None
) -> Estimate:
    """The estimate of the costliest replication an experiment can run: each uncertain
    input at the end of its range, and each swept key (``ranges``: path -> the values it
    takes) at its lowest or highest value, whichever costs more, all together; memory and
    time are bounded separately (the corner that needs most memory need not be the
    slowest). ``estimate`` when nothing varies. Checked once at the entry points, this
    bounds every replication whatever it draws or sweeps."""
    worst = estimate(scenario)
    candidates = _candidates(scenario, ranges)
    if not candidates:
        return worst
    corner_memory: dict[str, Any] = {}
    corner_time: dict[str, Any] = {}
    for path, values in candidates.items():
        tried = []
        for value in values:
            try:
                found = estimate(_with(scenario, {path: value}))
            except ScenarioError:  # a value the key refuses alone: never run
                continue
            tried.append((found, value))
            worst = worse(worst, found)  # a corner refused together is bounded by each alone
        if tried:
            corner_memory[path] = max(tried, key=lambda t: t[0].memory_bytes)[1]
            corner_time[path] = max(tried, key=lambda t: t[0].seconds)[1]
    for corner in (corner_memory, corner_time):
        try:
            worst = worse(worst, estimate(_with(scenario, corner)))
        except ScenarioError:
            continue
    return worst


def worse(a: Estimate, b: Estimate) -> Estimate:
    """A bound of both: the memory (and customers, output, servers) of the one needing more
    memory, the time of the slower."""
    memory = a if a.memory_bytes >= b.memory_bytes else b
    time = a if a.seconds >= b.seconds else b
    return dataclasses.replace(
        memory,
        seconds=time.seconds,
        seconds_by_key=time.seconds_by_key,
        time_source=time.time_source,
        customers=max(a.customers, b.customers),
        output_bytes=max(a.output_bytes, b.output_bytes),
        servers=max(a.servers, b.servers),
    )


def _candidates(
    scenario: Scenario, ranges: Mapping[str, Sequence[Any]] | None
) -> dict[str, list[Any]]:
    """The values each varying key may take at its ends, as the key holds them (a whole
    number where the scenario has one)."""
    data = scenario_to_dict(scenario)
    candidates: dict[str, list[Any]] = {}
    for path, dist in scenario.uncertain.items():
        candidates[path] = [_typed(data, path, e) for e in dist.extremes()]
    for path, values in (ranges or {}).items():
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        others: list[Any] = []
        for v in values:  # lists and tables are not hashable: compared as written
            if not any(v is n for n in numbers) and all(repr(v) != repr(o) for o in others):
                others.append(v)
        ends = [min(numbers), max(numbers)] if numbers else []
        candidates[path] = [_typed(data, path, e) for e in ends] + others
    return candidates


def _typed(data: dict[str, Any], path: str, value: float) -> Any:
    """``value`` as the key at ``path`` holds it: rounded where it holds a whole number."""
    try:
        current = get_path(data, path)
    except (KeyError, ValueError, IndexError, TypeError):
        return value
    if isinstance(current, int) and not isinstance(current, bool):
        return round(float(value))
    return float(value)


def _with(sc: Scenario, values: dict[str, Any]) -> Scenario:
    return apply_overrides(sc, values, check_events=False, check_uncertain=False)


def check_resources(
    scenario: Scenario,
    limits: Limits = DEFAULT_LIMITS,
    replications: int = 1,
    workers: int = 1,
    replications_option: str = "n_replications",
    ranges: Mapping[str, Sequence[Any]] | None = None,
    points: Sequence[Scenario] | None = None,
) -> Estimate:
    """The estimate; ``ScenarioError`` naming the key that costs most when ``workers``
    runs at once need more memory than ``limits.memory_bytes``, or ``replications`` runs
    on ``workers`` more time than ``limits.seconds``, or the run would own more servers
    than any business could."""
    if points:  # each scenario the experiment runs, at its own uncertain extremes
        found = functools.reduce(worse, (estimate_worst(p) for p in points))
    else:
        found = estimate_worst(scenario, ranges)
    at_once = max(1, min(workers, replications))
    memory = found.memory_bytes * at_once
    seconds = found.seconds * replications / at_once
    if memory > limits.memory_bytes:
        key = max(found.memory_by_key, key=lambda k: found.memory_by_key[k])
        worst = found.memory_source or scenario  # its values are those quoted
        raise ScenarioError([_too_big(worst, found, key, "memory", memory, limits, at_once)])
    if seconds > limits.seconds and found.seconds <= limits.seconds / 10:
        raise ScenarioError(  # each run is short: there are too many of them
            [
                Problem(
                    replications_option,
                    f"{replications:,} replications of up to {describe_duration(found.seconds)} "
                    f"each on {at_once} worker(s) can take up to {describe_duration(seconds)}, "
                    f"more than the limit of {describe_duration(limits.seconds)}; ask for "
                    f"fewer, or {RAISE_LIMITS}",
                    replications,
                    True,
                )
            ]
        )
    if seconds > limits.seconds:
        key = max(found.seconds_by_key, key=lambda k: found.seconds_by_key[k])
        raise ScenarioError(
            [
                _too_big(
                    found.time_source or scenario,
                    found,
                    key,
                    "time",
                    seconds,
                    limits,
                    at_once,
                    replications,
                )
            ]
        )
    servers = found.servers
    if servers > MAX_SERVERS:
        raise ScenarioError(
            [
                Problem(
                    _segment_key(scenario, found.by_segment),
                    f"the run can sign {found.customers:,.0f} customers needing up to "
                    f"{servers:,.0f} servers, more than {MAX_SERVERS:,.0f}; lower the "
                    "customers or their VMs",
                )
            ]
        )
    return found


def _too_big(
    sc: Scenario,
    found: Estimate,
    key: str,
    what: str,
    amount: float,
    limits: Limits,
    at_once: int,
    replications: int = 1,
) -> Problem:
    runs = ""
    if replications > 1:
        runs = f" for {replications:,} replications on {at_once} worker(s)"
    elif at_once > 1:
        runs = f" for {at_once} runs at once"
    if what == "memory":
        need = f"can need up to {_size(amount)}{runs}, more than the limit of "
        need += f"{_size(limits.memory_bytes)}"
    else:
        need = f"can take up to {describe_duration(amount)}{runs}, more than the limit of "
        need += f"{describe_duration(limits.seconds)}"
    signed = f"can sign up to {found.customers:,.0f} customers"
    value = _value_at(sc, key)
    raised = event_sources(event_changes(sc)).get(key.rsplit(".", 1)[-1])
    if raised is not None and isinstance(value, int | float) and raised[0] > value:
        key, value = raised[1], raised[0]  # the event that raises it costs most
    hint = ""
    if sc.pooling.mode == "per_customer" and key.startswith("segments["):
        hint = ", set pooling.mode to auto (cohorts cost far less)"
    return Problem(
        key,
        f"the run {signed} and {need} ({key} accounts for most of it); lower it{hint}, or "
        f"{RAISE_LIMITS}",
        value,
        value is not None,
    )


SECONDS_PER_CURVE_CUSTOMER_HOUR = 2.5e-8
"""A customer's hour in a pooling-curve book (pooled one by one, 95 M a second)."""
SECONDS_PER_CURVE_BLOCK_HOUR = 4e-6
"""The hour loop of a block of a pooling-curve book."""


def check_curve(spec: Any, limits: Limits = DEFAULT_LIMITS) -> float:
    """The seconds a pooling curve (``CurveSpec``) can take; ``ScenarioError`` naming
    ``replications`` above ``limits.seconds``."""
    hours = spec.weeks * 168
    seconds: float = sum(
        spec.replications
        * hours
        * (
            n * SECONDS_PER_CURVE_CUSTOMER_HOUR
            + math.ceil(n / BLOCK) * SECONDS_PER_CURVE_BLOCK_HOUR
        )
        for n in spec.customers
    )
    if seconds > limits.seconds:
        raise ScenarioError(
            [
                Problem(
                    "replications",
                    f"{spec.replications:,} books of up to {max(spec.customers):,} customers "
                    f"over {spec.weeks} weeks can take up to {describe_duration(seconds)}, more "
                    f"than the limit of {describe_duration(limits.seconds)}; fewer books, weeks "
                    f"or customers, or {RAISE_LIMITS}",
                    spec.replications,
                    True,
                )
            ]
        )
    return seconds


def command_line_limits() -> Limits:
    """The command line's limits: ``MEMORY_SHARE`` of the machine's memory (physical, or
    the container's cap when lower) and of the process's address-space cap (``ulimit -v``),
    at most the default; and the default time. None of these moves with the machine's
    load, so the verdict on given inputs is the same at a quiet moment and a busy one."""
    total = machine_memory()
    memory = min(DEFAULT_MEMORY_BYTES, MEMORY_SHARE * total) if total else DEFAULT_MEMORY_BYTES
    try:
        import resource

        cap = resource.getrlimit(resource.RLIMIT_AS)[0]  # ulimit -v
    except (ImportError, OSError, ValueError):
        cap = -1
    if cap > 0:
        memory = min(memory, MEMORY_SHARE * cap)
    return Limits(memory, DEFAULT_SECONDS)


def machine_memory() -> float:
    """The memory this process may ever have, in bytes: the physical memory, or the cgroup's
    cap (``memory.max``) when lower; 0 when unknown. Not the memory free now, which moves
    with the load."""
    try:
        physical = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        physical = 0.0
    caps = [physical] if physical > 0 else []
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < 2**60:
            caps.append(float(text))
    return min(caps, default=0.0)


def _at_event_peaks(sc: Scenario, changes: list[Change]) -> Scenario:
    """``sc`` with each scaling key at the highest value events set for it anywhere (a
    bound: an event raising one segment's potential raises them all here)."""
    peaks = {key: value for key, (value, _) in event_sources(changes).items()}
    if not peaks:
        return sc
    overrides = _peak_changes(sc, peaks)
    try:
        return apply_overrides(sc, overrides, check_events=False, check_uncertain=False)
    except ScenarioError:  # peaks that do not fit together: each one that fits alone
        for path, value in overrides.items():
            try:
                sc = apply_overrides(sc, {path: value}, check_events=False, check_uncertain=False)
            except ScenarioError:
                continue
        return sc


Change = tuple[int, str, list[str | int], Any]
"""One change of a dated event: the event's index, the path, its parts, the value."""


def event_changes(sc: Scenario) -> list[Change]:
    """Every change of every dated event, each path read once."""
    from iaas_sim.scenario.overrides import parse_path

    return [
        (i, path, parse_path(path), value)
        for i, event in enumerate(sc.events)
        for path, value in flatten_changes(event.set).items()
    ]


def event_sources(changes: list[Change]) -> dict[str, tuple[Any, str]]:
    """Scaling key -> its highest value in any event and where that event sets it
    (``events[i].set."path"``; ``mode``: per_customer, which costs most)."""
    found: dict[str, tuple[Any, str]] = {}
    for i, path, parts, value in changes:
        last = str(parts[-1])
        where = f'events[{i}].set."{path}"'
        if last not in SCALING_KEYS:
            continue
        if last == "mode":
            if value == "per_customer":
                found["mode"] = (value, where)
            continue
        number = _peak_value(value)
        if number is not None and number > found.get(last, (-1.0, ""))[0]:
            found[last] = (number, where)
    return found


def _peak_changes(sc: Scenario, peaks: dict[str, Any]) -> dict[str, Any]:
    """The overrides putting every key of ``peaks`` at its peak, wherever it is."""
    types = sc.channels.partners.types
    segment_keys = {"potential_customers"}
    type_keys = {
        "recruited_per_month",
        "customers_per_active_partner_per_month",
        "own_vms_per_active_partner",
    }
    changes: dict[str, Any] = {}
    for key, value in peaks.items():
        if key in segment_keys:
            for i, seg in enumerate(sc.segments):
                changes[f"segments[{i}].{key}"] = max(value, seg.potential_customers)
        elif key in type_keys:
            for i, t in enumerate(types):
                changes[f"channels.partners.types[{i}].{key}"] = max(value, _peak(getattr(t, key)))
        elif key in ("reps", "deals_per_rep_per_month"):
            base = _peak(getattr(sc.channels.direct_sales, key))
            changes[f"channels.direct_sales.{key}"] = max(value, base)
        elif key == "mode":
            changes["pooling.mode"] = value
        else:
            changes[f"pooling.{key}"] = max(int(value), getattr(sc.pooling, key))
    return changes


def _peak_value(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        found = [_peak_value(v.get("value") if isinstance(v, dict) else v) for v in value]
        numbers = [f for f in found if f is not None]
        return max(numbers) if numbers else None
    return None


def _customers_by_segment(sc: Scenario, changes: list[Change]) -> dict[str, float]:
    """Each segment signs at most its initial customers plus, per channel, its potential
    customers times the channel's share, where the direct sales force and the partners
    also cap what they can reach over the run."""
    months = sc.run.months
    channels = sc.channels
    direct_reach = (
        _peak(channels.direct_sales.reps) * channels.direct_sales.deals_per_rep_per_month * months
    )
    partner_reach = sum(
        (t.initial_partners + _peak(t.recruited_per_month) * months)
        * t.customers_per_active_partner_per_month
        * months
        for t in channels.partners.types
    )
    changed = _mixes_set_by_events(sc, changes)
    keys = {str(parts[-1]) for _, _, parts, _ in changes}
    bass_changed = bool(keys & {"bass_p_per_year", "bass_q_per_year", "adoption_start"})
    competitor = sc.pricing.competitor_vm_hour_price is not None
    response = 1.0
    if sc.pricing.price_elasticity > 0 and (competitor or "competitor_vm_hour_price" in keys):
        response = MAX_PRICE_RESPONSE
    by_segment = {}
    for seg in sc.segments:
        mix = {k: float(v) for k, v in seg.channel_mix.model_dump().items()}
        for other in changed.get(seg.name, []):
            mix = {k: max(mix.get(k, 0.0), float(other.get(k, 0.0))) for k in mix}
        potential = _adopters(sc, seg, bass_changed) * response
        by_segment[seg.name] = (
            seg.initial_customers
            + potential * mix.get("web", 0.0)
            + min(potential * mix.get("direct_sales", 0.0), direct_reach)
            + min(potential * mix.get("partners", 0.0), partner_reach)
        )
    return by_segment


def _adopters(sc: Scenario, seg: Any, bass_changed: bool) -> float:
    """Adopters of a segment by the run's end, at most: its potential times the Bass
    curve's share adopted from the adoption start to the run's end, plus six standard
    deviations of the arrivals' noise (all of the potential when events change the
    curve)."""
    if bass_changed:
        return float(seg.potential_customers)
    begin = seg.adoption_start or sc.run.start
    years = (sc.run.end - begin).days / 365.25
    p, q = seg.bass_p_per_year, seg.bass_q_per_year
    decay = math.exp(-(p + q) * years)
    share = (1.0 - decay) / (1.0 + q / p * decay)
    expected = seg.potential_customers * share
    return float(min(seg.potential_customers, expected + 6.0 * math.sqrt(expected) + 10.0))


def _largest_month(sc: Scenario, by_segment: dict[str, float], own_use: float) -> float:
    """Arrivals of the busiest month, at most: the initial customers (and own-use
    partners) of the first month, plus twice the Bass curve's peak monthly rate of each
    segment's later customers."""
    first = sum(seg.initial_customers for seg in sc.segments) + own_use
    later = 0.0
    for seg in sc.segments:
        p, q = seg.bass_p_per_year, seg.bass_q_per_year
        peak = (p + q) ** 2 / (4 * q) if q > p else p
        later += (by_segment[seg.name] - seg.initial_customers) * min(1.0, 2 * peak / 12)
    return first + later


MIX_KEYS = frozenset({"sla_mix", "channel_mix", "tier_mix", "reserved_uptake"})
"""Keys whose change by an event can make any billing group."""


def _cohorts(sc: Scenario, classes: int, changes: list[Change]) -> float:
    """Cohorts (billing group x demand class) the run can have: per segment, the SLA
    tiers it sells x reserved or not x its direct channels and each partner type's
    certification tiers; every combination where events change the mixes."""
    types = sc.channels.partners.types
    mixes_change = any(str(part) in MIX_KEYS for _, _, parts, _ in changes for part in parts)
    partner_tiers = sum(
        3 if mixes_change else sum(v > 0 for v in t.tier_mix.model_dump().values()) for t in types
    )
    every_group = 3 * 2 * (2 + partner_tiers)
    total = 0.0
    for seg in sc.segments:
        if mixes_change:
            total += every_group
            continue
        mix = seg.channel_mix
        tiers = sum(v > 0 for v in seg.sla_mix.model_dump().values())
        channels = (mix.web > 0) + (mix.direct_sales > 0) + partner_tiers * (mix.partners > 0)
        total += tiers * (1 + (seg.reserved_uptake > 0)) * max(1, channels)
    extra = classes - len(sc.segments)  # partners' own use, usage changed by events
    return total + extra * every_group


def _classes_set_by_events(changes: list[Change]) -> int:
    """Events that change how customers use their VMs (each may make new classes)."""
    return len({i for i, _, parts, _ in changes if str(parts[-1]).startswith("usage_")})


def _servers(sc: Scenario, customers: float) -> float:
    """Servers the run can need at most: every customer at its largest size."""
    largest = max((_largest_vms(seg.vms_per_customer) for seg in sc.segments), default=1.0)
    partner_vms = sum(
        (t.initial_partners + _peak(t.recruited_per_month) * sc.run.months)
        * t.own_vms_per_active_partner
        for t in sc.channels.partners.types
    )
    vms = customers * largest + partner_vms
    return sc.capacity.initial_servers + vms / sc.capacity.vms_per_server


def _largest_vms(dist: Any) -> float:
    kind = dist.dist
    if kind == "fixed":
        return float(dist.value)
    if kind == "discrete":
        return float(max(dist.values))
    if kind == "lognormal":
        return float(dist.max)
    return float(dist.mean) * 20.0  # geometric: P(X > 20 mean) < 1e-8


def _segment_key(sc: Scenario, by_segment: dict[str, float]) -> str:
    """The key of the segment that signs most: its initial or its potential customers."""
    if not by_segment:
        return "segments"
    index, name = max(enumerate(by_segment), key=lambda item: by_segment[item[1]])
    seg = sc.segments[index]
    which = (
        "initial_customers"
        if seg.initial_customers >= by_segment[name] - seg.initial_customers
        else "potential_customers"
    )
    return f"segments[{index}].{which}"


def _partner_key(sc: Scenario) -> str:
    types = sc.channels.partners.types
    if not types:
        return "channels.partners.types"
    months = sc.run.months
    index = max(
        range(len(types)),
        key=lambda k: types[k].initial_partners + _peak(types[k].recruited_per_month) * months,
    )
    t = types[index]
    which = (
        "initial_partners"
        if t.initial_partners >= _peak(t.recruited_per_month) * months
        else "recruited_per_month"
    )
    return f"channels.partners.types[{index}].{which}"


def _value_at(sc: Scenario, key: str) -> Any:
    from iaas_sim.scenario.load import scenario_to_dict
    from iaas_sim.scenario.overrides import get_path

    if key == "events":
        return len(sc.events)
    if key == "segments":
        return len(sc.segments)
    try:
        value = get_path(scenario_to_dict(sc), key)
    except (KeyError, ValueError):
        return None
    return value if isinstance(value, int | float) else None


def _peak(schedule: Any) -> float:
    if isinstance(schedule, list):
        return max((float(step.value) for step in schedule), default=0.0)
    return float(schedule)


def _mixes_set_by_events(sc: Scenario, changes: list[Change]) -> dict[str, list[dict[str, Any]]]:
    """Segment name -> channel shares that dated events set for it, however the path is
    written (``segments.smb.channel_mix``, ``segments[0].channel_mix.web``)."""
    names = [seg.name for seg in sc.segments]
    found: dict[str, list[dict[str, Any]]] = {}
    for _, _, parts, value in changes:
        if len(parts) != 4 or parts[0] != "segments" or parts[2] != "channel_mix":
            continue
        ref = parts[1]
        index = ref if isinstance(ref, int) else (int(ref) if ref.isdigit() else None)
        name = names[index] if index is not None and index < len(names) else str(ref)
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.setdefault(name, []).append({str(parts[3]): float(value)})
    return found


def _size(n: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def describe_duration(seconds: float) -> str:
    """``95 seconds``, ``12 minutes``, ``3.5 hours``."""
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:,.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:,.0f} minutes"
    if seconds >= 10:
        return f"{seconds:,.0f} seconds"
    return f"{seconds:.2g} seconds"
