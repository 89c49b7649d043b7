"""Scenario files: loading, validation messages, overrides, the schema."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

import iaas_sim as sim
from iaas_sim.scenario.model import Scenario
from tests.conftest import ROOT, SCENARIOS, tiny


def _messages(exc: sim.ScenarioError) -> str:
    return str(exc)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_validate(path: Path) -> None:
    sc = sim.load_scenario(path)
    assert sc.schema_version == 1
    assert sc.segments


def test_misspelt_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    text = (ROOT / "scenarios/minimal.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("churn_per_month", "churn_per_mnth"))
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(bad)
    assert "segments[0].churn_per_mnth: unknown key; did you mean 'churn_per_month'?" in str(
        info.value
    )
    assert "segments[0].churn_per_month: required key is missing" not in str(info.value)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"pricing.vm_hour_price": -0.05}, "pricing.vm_hour_price: must be >= 1e-06 (got -0.05)"),
        (
            {"segments[0].churn_per_month": 1.4},
            "segments[0].churn_per_month: must be <= 1.0 (got 1.4)",
        ),
        ({"capacity.thresholds.low": 0.9}, "capacity.thresholds: thresholds must satisfy"),
        ({"pricing.vm_hour_price": float("nan")}, "pricing.vm_hour_price: must be a finite"),
        ({"pricing.vm_hour_price": "0.05"}, "pricing.vm_hour_price: must be a number"),
        ({"run.months": 2.5}, "run.months: must be a whole number (got 2.5)"),
        ({"run.start": "2024-01-15"}, "run.start: must be the first day of a month"),
        ({"segments[0].channel_mix.web": 0.5}, "segments[0].channel_mix: channel shares"),
        (
            {"segments.base.vms_per_customer": {"dist": "lognormal", "mean": 3.0, "sd": -1.0}},
            "segments[0].vms_per_customer.sd: must be >= 0.01 (got -1.0)",
        ),
        (
            {"channels.direct_sales.reps": "many"},
            "channels.direct_sales.reps: must be a number or a list of",
        ),
        (
            {"finance.funding": [{"date": "2030-01-01", "amount": 1.0}]},
            "finance.funding[0].date: must be within the run, 2024-01-01 to 2024-06-30 "
            "(got 2030-01-01)",
        ),
    ],
)
def test_bad_values_are_refused_with_their_key(changes: dict[str, object], expected: str) -> None:
    with pytest.raises(sim.ScenarioError) as info:
        tiny(**changes)
    assert expected in str(info.value)


def test_every_error_is_reported_at_once() -> None:
    with pytest.raises(sim.ScenarioError) as info:
        tiny(**{"pricing.vm_hour_price": -1.0, "segments[0].churn_per_month": 2.0})
    assert len(info.value.problems) == 2


def test_override_returns_a_new_validated_copy() -> None:
    sc = tiny()
    sc2 = sc.override({"pricing.vm_hour_price": 0.07, "segments.base.churn_per_month": 0.02})
    assert sc.pricing.vm_hour_price == 0.05
    assert sc2.pricing.vm_hour_price == 0.07
    assert sc2.segments[0].churn_per_month == 0.02


def test_override_reaches_keys_with_dots() -> None:
    sc = tiny(**{"pricing.sla_multipliers.99.9": 1.3, 'pricing.sla_multipliers."99.99"': 1.6})
    assert sc.pricing.sla_multipliers.as_tuple() == (1.0, 1.3, 1.6)


def test_override_unknown_path_is_named() -> None:
    with pytest.raises(sim.ScenarioError, match=r"pricing\.vm_hour_prise: unknown key; did you"):
        tiny(**{"pricing.vm_hour_prise": 0.1})


def test_scenarios_are_frozen() -> None:
    sc = tiny()
    with pytest.raises(ValueError, match="frozen"):
        sc.pricing.vm_hour_price = 1.0  # type: ignore[misc]


def test_schedule_steps_are_prorated_by_day() -> None:
    import datetime as dt

    from iaas_sim.core.calendar import compute_month_grid, compute_schedule

    sc = tiny(
        **{
            "channels.direct_sales.reps": [
                {"from": "2024-01-16", "value": 31.0},
                {"from": "2024-03-01", "value": 0.0},
            ]
        }
    )
    grid = compute_month_grid(dt.date(2024, 1, 1), 3)
    values = compute_schedule(sc.channels.direct_sales.reps, grid)
    assert values.tolist() == [16.0, 31.0, 0.0]


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    from typing import get_args

    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                _models(t, seen)
            stack.extend(get_args(t))


def test_every_field_documents_its_unit() -> None:
    seen: set[type[BaseModel]] = set()
    _models(Scenario, seen)
    assert len(seen) > 15
    missing = [
        f"{m.__name__}.{name}"
        for m in seen
        for name, f in m.model_fields.items()
        if not (f.description and re.search(r"\[[^\]]+\]\.?\s*$", f.description))
    ]
    assert missing == []


def test_exported_json_schema_is_current() -> None:
    exported = json.loads((ROOT / "schema/scenario.schema.json").read_text())
    assert exported == Scenario.model_json_schema(by_alias=True), (
        "regenerate with: iaas-sim schema --out schema/scenario.schema.json"
    )


def _numbers(node: object, path: str = "") -> list[tuple[str, dict[str, object]]]:
    """Every number or integer in a JSON schema, with where it is."""
    found = []
    if isinstance(node, dict):
        if node.get("type") in ("number", "integer"):
            found.append((path, node))
        for key, value in node.items():
            found += _numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for k, value in enumerate(node):
            found += _numbers(value, f"{path}[{k}]")
    return found


def test_every_number_in_the_schema_is_bounded() -> None:
    """Nothing a user writes can overflow: every number has a finite maximum of at most
    1e15 and a minimum, and no positive quantity may be as small as a subnormal float."""
    numbers = _numbers(Scenario.model_json_schema(by_alias=True))
    assert len(numbers) > 80
    for where, spec in numbers:
        if "const" in spec or "enum" in spec or where.endswith("/seed"):
            continue  # a seed is any 63-bit number
        high = spec.get("maximum", spec.get("exclusiveMaximum"))
        low = spec.get("minimum", spec.get("exclusiveMinimum"))
        assert isinstance(high, int | float), where
        assert high <= 1e15, where
        assert isinstance(low, int | float), where
        assert low >= -1e15, where
        assert "exclusiveMinimum" not in spec or spec["exclusiveMinimum"] != 0, where


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("schema_version = 1\nname = 'x\n")
    with pytest.raises(sim.ScenarioError, match=r"broken\.toml: line 2 .*: TOML syntax error"):
        sim.load_scenario(bad)


def test_toml_syntax_error_gives_its_line_and_column_and_quotes_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "twice.toml"
    bad.write_text("schema_version = 1\n[run]\nmonths = 2\n[run]\n")
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(bad)
    [problem] = info.value.problems
    assert (problem.path, problem.value) == ("line 4, column 5", "[run]")
    assert problem.message == "TOML syntax error: Cannot declare ('run',) twice"


class _LocatedError(tomllib.TOMLDecodeError):
    """The decoder error of Python 3.14 and later, which carries its position; its text
    here says nothing of it, so only the attributes can give it."""

    def __init__(self, msg: str, doc: str, pos: int) -> None:
        super().__init__(f"{msg} (somewhere)")
        self.msg, self.doc, self.pos = msg, doc, pos
        self.lineno = doc.count("\n", 0, pos) + 1
        self.colno = pos - doc.rfind("\n", 0, pos)


@pytest.mark.parametrize(
    ("pos", "where"), [(21, "line 2, column 3"), (29, "line 2 (the file ends inside it)")]
)
def test_toml_error_position_is_read_from_the_decoder_when_it_has_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pos: int, where: str
) -> None:
    text = "schema_version = 1\nname = 'x\n"
    assert len(text) == 29

    def loads(doc: str) -> dict[str, object]:
        raise _LocatedError("Unterminated string", doc, pos)

    monkeypatch.setattr(tomllib, "loads", loads)
    bad = tmp_path / "broken.toml"
    bad.write_text(text)
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(bad)
    [problem] = info.value.problems
    assert (problem.path, problem.message) == (where, "TOML syntax error: Unterminated string")
    assert problem.value == "name = 'x"


def test_strings_that_look_like_code_stay_strings() -> None:
    sc = tiny(name="__import__('os').system('echo hacked')")
    assert sc.name == "__import__('os').system('echo hacked')"


def test_warnings_name_channels_that_can_never_sell() -> None:
    from iaas_sim.scenario import check_scenario

    assert check_scenario(tiny()) == []
    sc = tiny(**{"segments[0].channel_mix": {"web": 0.5, "partners": 0.3, "direct_sales": 0.2}})
    text = "\n".join(check_scenario(sc))
    assert "segments[0].channel_mix.partners is 0.3" in text
    assert "segments[0].channel_mix.direct_sales is 0.2" in text


def test_did_you_mean_reaches_inside_distributions() -> None:
    with pytest.raises(sim.ScenarioError, match=r"vms_per_customer\.meen: unknown key; did you"):
        tiny(**{"segments[0].vms_per_customer": {"dist": "lognormal", "meen": 3.0, "sd": 1.0}})


def test_bad_funding_date_keeps_its_key() -> None:
    with pytest.raises(sim.ScenarioError, match=r"finance\.funding\[0\]\.date: must be a date"):
        tiny(**{"finance.funding": [{"date": "soon", "amount": 1.0}]})


def test_override_merges_tables_and_replaces_distributions() -> None:
    with pytest.raises(sim.ScenarioError, match=r"channel shares .* must sum to 1, got 2"):
        tiny(**{"segments[0].channel_mix": {"partners": 1.0}})
    sc = tiny(**{"segments[0].channel_mix": {"web": 0.0, "partners": 1.0}})
    assert sc.segments[0].channel_mix.partners == 1.0
    # Nested tables (what TOML makes of dotted keys) set leaves, never reset siblings.
    sc = tiny(**{"pricing": {"vm_hour_price": 0.07}, "capacity": {"lead_time_days": 10.0}})
    assert (sc.pricing.vm_hour_price, sc.capacity.vms_per_server) == (0.07, 10)
    sc = tiny(**{"segments[0].vms_per_customer": {"dist": "geometric", "mean": 3.0}})
    assert sc.segments[0].vms_per_customer.dist == "geometric"
