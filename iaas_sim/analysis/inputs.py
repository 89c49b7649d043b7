"""A scenario's inputs as readable rows, for the report: every value under its dotted key
(the spelling scenario files and ``--set`` use), schedules and distributions on one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from iaas_sim.scenario import Scenario

KEY_SECTIONS = ("run", "pricing", "capacity", "finance")
"""Sections shown open in the report; the others are folded."""


def scenario_inputs(scenario: Scenario) -> dict[str, list[tuple[str, str]]]:
    """Section name -> (dotted key, value shown) rows, every input included (defaults
    too), in the order of the schema. Segments, events, uncertain inputs and
    correlations are left out: see ``segment_table``, ``event_rows`` and
    ``uncertain_rows``."""
    data = scenario.model_dump(mode="json", by_alias=True)
    skip = {"schema_version", "name", "description", "segments", "events", "uncertain"}
    skip.add("correlations")
    return {
        section: list(_flatten(value, section))
        for section, value in data.items()
        if section not in skip
    }


def segment_table(scenario: Scenario) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Segment names, and one row per input (key, one value per segment)."""
    segments = scenario.model_dump(mode="json", by_alias=True)["segments"]
    names = [s["name"] for s in segments]
    columns = [dict(_flatten({k: v for k, v in s.items() if k != "name"}, "")) for s in segments]
    keys = list(dict.fromkeys(k for c in columns for k in c))
    return names, [(k, [c.get(k, "") for c in columns]) for k in keys]


def event_rows(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(date, name, what it sets) per dated event."""
    rows = []
    for event in scenario.model_dump(mode="json", by_alias=True)["events"]:
        changes = "; ".join(f"{k} = {v}" for k, v in _flatten(event.get("set", {}), ""))
        rows.append((str(event["date"]), str(event.get("name") or ""), changes))
    return rows


def uncertain_rows(scenario: Scenario) -> list[tuple[str, str]]:
    """(dotted key, distribution) per uncertain input, then the rank correlations."""
    data = scenario.model_dump(mode="json", by_alias=True)
    rows = [(key, _show(spec)) for key, spec in data["uncertain"].items()]
    for pair in data["correlations"]:
        rows.append(("rank correlation", _show(pair)))
    return rows


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict) and not _is_distribution(value):
        for key, item in value.items():
            yield from _flatten(item, _join(prefix, str(key)))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if _is_schedule(value) or all(_is_distribution(v) for v in value):
            yield prefix, _show(value)
            return
        for k, item in enumerate(value):
            label = item.get("name") or item.get("role") or str(k)
            rest = {key: v for key, v in item.items() if key not in ("name", "role")}
            yield from _flatten(rest, f"{prefix}[{label}]")
    else:
        yield prefix, _show(value)


def _join(prefix: str, key: str) -> str:
    if not prefix:
        return key
    return f'{prefix}."{key}"' if not key.replace("_", "").isalnum() else f"{prefix}.{key}"


def _is_schedule(items: list[dict[str, Any]]) -> bool:
    return all(set(item) == {"from", "value"} for item in items)


def _is_distribution(value: Any) -> bool:
    return isinstance(value, dict) and "dist" in value


def _show(value: Any) -> str:
    """One line: ``None`` as an em dash, schedules as ``from 2013-09-01: 8; ...``,
    distributions as ``triangular(low=..., mode=..., high=...)``."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15):
            return f"{value:.6g}"
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, dict) for v in value)
        and _is_schedule(value)
    ):
        return "; ".join(f"from {v['from']}: {_show(v['value'])}" for v in value)
    if _is_distribution(value):
        args = ", ".join(f"{k}={_show(v)}" for k, v in value.items() if k != "dist")
        return f"{value['dist']}({args})"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
