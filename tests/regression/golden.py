"""Golden metrics of the shipped scenarios: what changed when a model change was meant not
to change them. Regenerate deliberately, after checking the new figures, with

    .venv/bin/python -m tests.regression.golden
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import iaas_sim as sim

GOLDEN = Path(__file__).with_name("golden.json")
SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.toml"))
RELATIVE_TOLERANCE = 1e-6
"""Floats may move by float32 summation order across CPUs, not more."""


def golden_metrics(result: sim.Result) -> dict[str, Any]:
    """The metrics compared (NaN written as None)."""
    out: dict[str, Any] = {}
    for key, value in result.metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out[key] = value
    return out


def main() -> None:
    data = {p.stem: golden_metrics(sim.simulate(sim.load_scenario(p))) for p in SCENARIOS}
    GOLDEN.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main()
