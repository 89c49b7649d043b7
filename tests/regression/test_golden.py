"""Each shipped scenario still gives its golden metrics (see golden.py to regenerate)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import iaas_sim as sim
from tests.regression.golden import GOLDEN, RELATIVE_TOLERANCE, SCENARIOS, golden_metrics


def assert_close(actual: Any, expected: Any, path: str) -> None:
    if isinstance(expected, dict):
        assert set(actual) == set(expected), path
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=RELATIVE_TOLERANCE, abs=1e-9), path
    else:
        assert actual == expected, path


@pytest.mark.parametrize("name", [p.stem for p in SCENARIOS])
def test_metrics_match_golden(shipped_results: dict[str, sim.Result], name: str) -> None:
    golden = json.loads(GOLDEN.read_text())
    assert name in golden, "new scenario: run python -m tests.regression.golden"
    assert_close(golden_metrics(shipped_results[name]), golden[name], name)
