"""Golden metrics of the shipped scenarios: what changed when a model change was meant not
to change them. Regenerating them is a deliberate step, after reading the differences:

    .venv/bin/python -m tests.regression.golden           # print what would change
    .venv/bin/python -m tests.regression.golden --write   # then write golden.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import iaas_sim as sim

GOLDEN = Path(__file__).with_name("golden.json")
SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.toml"))
RELATIVE_TOLERANCE = 1e-6
"""Floats may move by float32 summation order across CPUs, not more."""
ABSOLUTE_TOLERANCE = 1e-9


def golden_metrics(result: sim.Result) -> dict[str, Any]:
    """The metrics compared (NaN written as None)."""
    out: dict[str, Any] = {}
    for key, value in result.metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out[key] = value
    return out


def differences(actual: Any, expected: Any, path: str) -> list[str]:
    """Every difference between ``actual`` and ``expected``, one line each
    (``minimal.npv: expected 1.5, got 1.6``); floats within the tolerances are equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = [
            f"{path}.{k}: expected {expected[k]!r}, got none"
            for k in expected.keys() - actual.keys()
        ]
        lines += [
            f"{path}.{k}: expected none, got {actual[k]!r}" for k in actual.keys() - expected.keys()
        ]
        for key in expected.keys() & actual.keys():
            lines += differences(actual[key], expected[key], f"{path}.{key}")
        return sorted(lines)
    if _close(actual, expected):
        return []
    return [f"{path}: expected {expected!r}, got {actual!r}"]


def _close(actual: Any, expected: Any) -> bool:
    """Equal, or (floats) within ``RELATIVE_TOLERANCE`` of ``expected`` (or
    ``ABSOLUTE_TOLERANCE``)."""
    if isinstance(expected, float) and isinstance(actual, int | float):
        bound = max(RELATIVE_TOLERANCE * abs(expected), ABSOLUTE_TOLERANCE)
        return abs(actual - expected) <= bound
    return bool(actual == expected)


def main(argv: list[str] | None = None) -> int:
    """Print how the metrics differ from ``golden.json``; write them only with
    ``--write``. Exit status 1 when they differ and were not written."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.regression.golden",
        description="Compare the shipped scenarios' metrics with golden.json.",
    )
    parser.add_argument("--write", action="store_true", help="replace golden.json with them")
    write = parser.parse_args(argv).write
    data = {p.stem: golden_metrics(sim.simulate(sim.load_scenario(p))) for p in SCENARIOS}
    data = json.loads(json.dumps(data))  # as golden.json holds them
    previous = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    changes = [f"{name}: new scenario" for name in sorted(data.keys() - previous.keys())]
    changes += [f"{name}: no longer shipped" for name in sorted(previous.keys() - data.keys())]
    for name in sorted(data.keys() & previous.keys()):
        changes += differences(data[name], previous[name], name)
    print("\n".join(changes) if changes else f"{GOLDEN.name} is up to date")
    if changes and not write:
        print(f"{len(changes)} difference(s); {GOLDEN.name} unchanged (--write writes them)")
        return 1
    if changes:
        GOLDEN.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
