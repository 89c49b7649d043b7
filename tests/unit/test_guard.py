"""The resource guard: its bound on customers holds on real runs, partner and sales reach
cap it, and a run too big for the machine is refused before it starts."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

import iaas_sim as sim
from iaas_sim.engine.guard import (
    BASE_BYTES,
    DEFAULT_LIMITS,
    UNLIMITED,
    Limits,
    check_resources,
    command_line_limits,
    estimate,
    estimate_worst,
)
from tests.cli import iaas_sim
from tests.conftest import ROOT, tiny

MINIMAL = ROOT / "scenarios/minimal.toml"


@pytest.mark.parametrize("name", ["minimal", "numergy-2013", "cloudwatt-2014"])
def test_the_bound_holds_on_shipped_scenarios(name: str) -> None:
    sc = sim.load_scenario(ROOT / f"scenarios/{name}.toml")
    res = sim.simulate(sc)
    signed = sum(s.initial_customers for s in sc.segments) + res.monthly["new_customers"].sum()
    bound = estimate(sc)
    assert signed <= bound.customers
    assert bound.memory_bytes > BASE_BYTES
    check_resources(sc)  # shipped scenarios fit


def test_reach_caps_partner_and_direct_segments() -> None:
    sc = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml")
    huge = sc.override({"segments.smb.potential_customers": 1e9})  # partners only
    bound = estimate(huge)
    types = sc.channels.partners.types
    reach = sum(
        (t.initial_partners + max(s.value for s in t.recruited_per_month) * 100)  # type: ignore[union-attr]
        * t.customers_per_active_partner_per_month
        * 100
        for t in types
    )
    assert bound.by_segment["smb"] == pytest.approx(reach)
    assert bound.customers < 1e8
    web = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 1e9})
    assert estimate(web).customers == pytest.approx(1e9, rel=0.05)  # no reach limit on the web


def test_a_run_too_big_is_refused_with_the_key_and_value(tmp_path: Path) -> None:
    sc = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 3e6})
    check_resources(sc, Limits(memory_bytes=16 * 2**30))
    with pytest.raises(sim.ScenarioError) as caught:
        check_resources(sc, Limits(memory_bytes=1 * 2**30))
    text = str(caught.value)
    assert re.match(r"segments\[0\]\.potential_customers: the run can sign up to [\d,]+ cust", text)
    assert "more than the limit of 1.0 GiB" in text
    assert "raise the limits to run anyway" in text  # the command line: --allow-large
    assert "(got 3000000.0)" in text

    out = tmp_path / "out"
    proc = iaas_sim(
        "run", str(MINIMAL), "--set", "segments[0].potential_customers=1e9", "--out", str(out)
    )
    assert proc.returncode == 2
    assert "segments[0].potential_customers: the run can sign up to " in proc.stderr
    assert "(got 1000000000.0)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    huge = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 1e9})
    with pytest.raises(sim.ScenarioError, match=r"more than the limit of 8\.0 GiB"):
        sim.monte_carlo(huge, n_replications=1, n_jobs=1)


def test_simulate_is_pure_and_the_entry_points_check_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``simulate`` runs no guard (a function of scenario and seed only); ``monte_carlo``,
    ``sweep``, ``sensitivity`` and ``solve`` each check once, before anything runs."""
    import iaas_sim.engine.guard as guard

    calls: list[str] = []
    for name in ("montecarlo", "sweep", "sensitivity", "solve"):
        module = importlib.import_module(f"iaas_sim.experiments.{name}")
        real = module.check_resources

        def counted(*a: Any, _name: str = module.__name__, _real: Any = real, **k: Any) -> Any:
            calls.append(_name.rsplit(".", 1)[-1])
            return _real(*a, **k)

        monkeypatch.setattr(module, "check_resources", counted)
    estimates: list[int] = []
    real_estimate = guard.estimate
    monkeypatch.setattr(guard, "estimate", lambda sc: estimates.append(1) or real_estimate(sc))
    sc = tiny(**{"run.months": 3})
    sim.simulate(sc)
    assert estimates == []
    price = "pricing.vm_hour_price"
    sim.monte_carlo(sc, n_replications=4, n_jobs=1)
    sim.sweep(sc, {price: [0.04, 0.05, 0.06]}, n_replications=2, n_jobs=1)
    sim.sensitivity(sc, {price: (0.04, 0.06)}, n_jobs=1)
    sim.solve(sc, price, "total_revenue >= 4000", between=(0.04, 0.06), n_replications=1, n_jobs=1)
    assert calls == ["montecarlo", "sweep", "sensitivity", "solve"]


def test_memory_and_time_are_bounded_by_their_own_worst_corner() -> None:
    """Per-customer pooling is the slow corner of a sweep over the mode, not the one that
    needs most memory: the bound takes each from its own corner."""
    sc = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 2e5})
    slow = estimate(sc.override({"pooling.mode": "per_customer"}))
    both = estimate_worst(sc, {"pooling.mode": ["auto", "per_customer"]})
    assert both.seconds >= slow.seconds > estimate(sc).seconds
    assert both.memory_bytes >= max(slow.memory_bytes, estimate(sc).memory_bytes)


def test_whole_number_keys_are_bounded_at_their_ends() -> None:
    sc = sim.load_scenario(MINIMAL).override({"pooling.mode": "cohort"})
    wide = {"dist": "uniform", "low": 32, "high": 5000}
    uncertain = sc.override({"uncertain": {"pooling.reference_customers": wide}})
    at_high = estimate(sc.override({"pooling.reference_customers": 5000}))
    assert estimate_worst(uncertain).seconds >= at_high.seconds
    months = estimate_worst(sc, {"run.months": [84.0, 600.0]})  # floats, as a design gives
    assert months.seconds >= estimate(sc.override({"run.months": 600})).seconds


def test_points_valid_only_together_and_table_values_are_bounded() -> None:
    sc = sim.load_scenario(ROOT / "scenarios/cloudwatt-2014.toml")
    mix = "segments.smb.channel_mix"
    partners = {f"{mix}.web": 0.0, f"{mix}.partners": 1.0}  # as written: within the reach
    web = {f"{mix}.web": 1.0, f"{mix}.partners": 0.0}  # valid only together, and unbounded
    big = sc.override({"segments.smb.potential_customers": 5e6})
    check_resources(big, Limits(memory_bytes=2**30))
    with pytest.raises(sim.ScenarioError, match="more than the limit"):
        sim.sweep(
            big,
            {"points": [partners, web]},
            method="points",
            n_jobs=1,
            limits=Limits(memory_bytes=2**30),
        )
    schedules = [[{"from": "2012-09-01", "value": 1.0}], [{"from": "2012-09-01", "value": 2.0}]]
    estimate_worst(sc, {"costs.marketing_per_month": schedules})  # lists: no crash


def test_an_uncertain_input_is_bounded_at_its_costly_end() -> None:
    """The base value fits; the high end of the input's range does not, so the whole run is
    refused before any replication, whatever the first ones would draw."""
    sc = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 1e4})
    check_resources(sc, Limits(memory_bytes=1 * 2**30))
    uncertain = sc.override(
        {
            "uncertain": {
                "segments[0].potential_customers": {"dist": "uniform", "low": 1e3, "high": 5e6}
            }
        }
    )
    with pytest.raises(sim.ScenarioError, match="potential_customers"):
        check_resources(uncertain, Limits(memory_bytes=1 * 2**30))
    with pytest.raises(sim.ScenarioError, match="more than the limit"):
        sim.monte_carlo(uncertain, n_replications=2, n_jobs=1, limits=Limits(memory_bytes=2**30))


def test_a_sweep_is_bounded_at_its_costliest_point() -> None:
    sc = sim.load_scenario(MINIMAL)
    params = {"segments[0].potential_customers": [1e3, 1e4, 5e6]}
    with pytest.raises(sim.ScenarioError, match="potential_customers"):
        sim.sweep(sc, params, n_jobs=1, limits=Limits(memory_bytes=1 * 2**30))
    with pytest.raises(sim.ScenarioError, match="potential_customers"):
        sim.solve(
            sc,
            "segments[0].potential_customers",
            "total_revenue >= 1",
            between=(1e3, 5e6),
            n_jobs=1,
            limits=Limits(memory_bytes=1 * 2**30),
        )


def test_the_verdict_depends_only_on_the_inputs_and_the_limits() -> None:
    """The limits are constants, and the command line's are a share of the machine's
    memory (not of the memory free now): the same inputs pass or fail at a quiet moment and
    a busy one."""
    assert Limits(8 * 2**30, 3600.0) == DEFAULT_LIMITS
    sc = sim.load_scenario(MINIMAL).override({"segments[0].potential_customers": 2e6})
    first = estimate(sc)
    assert estimate(sc) == first
    check_resources(sc, UNLIMITED)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"run.months": 600, "segments[0].initial_customers": 10_000_000}, "initial_customers"),
        ({"pooling.mode": "per_customer", "segments[0].initial_customers": 1_000_000}, "segments"),
        ({"pooling.reference_customers": 10_000, "run.months": 600}, "reference_customers"),
    ],
)
def test_time_is_priced_for_every_mechanism_that_scales(
    changes: dict[str, object], key: str
) -> None:
    sc = sim.load_scenario(MINIMAL).override(changes)
    with pytest.raises(sim.ScenarioError, match=key) as caught:
        check_resources(sc, Limits(memory_bytes=1e15, seconds=120))
    assert "raise the limits to run anyway" in str(caught.value)
    check_resources(sc, UNLIMITED)


def test_time_grows_with_segments_events_and_partners() -> None:
    base = sim.load_scenario(MINIMAL)
    one = estimate(base)
    segments = [dict(base.segments[0].model_dump(by_alias=True), name=f"s{k}") for k in range(50)]
    many = base.override({"segments": segments})
    assert estimate(many).seconds_by_key["segments"] > 20 * one.seconds_by_key["segments"]
    partners = base.override(
        {"channels.partners.types": [{"name": "p", "recruited_per_month": 100_000}]}
    )
    assert estimate(partners).seconds > 10 * one.seconds
    assert estimate(partners).memory_bytes > one.memory_bytes + 5e8  # 8.4 million partners


def test_events_that_raise_a_scaling_key_count_at_their_peak() -> None:
    base = sim.load_scenario(MINIMAL)
    raised = base.override(
        {"events": [{"date": "2025-01-01", "set": {"segments[0].potential_customers": 5e6}}]}
    )
    assert estimate(raised).customers > 10 * estimate(base).customers
    assert estimate(raised).customers >= 4e6  # 5e6 times the Bass share adopted by the end


def test_monte_carlo_time_is_replications_over_workers() -> None:
    sc = sim.load_scenario(MINIMAL)
    one = estimate(sc).seconds
    limits = Limits(seconds=one * 100)
    check_resources(sc, limits, replications=100, workers=1)
    check_resources(sc, limits, replications=150, workers=2)
    many = r"^n_replications: 300 replications of up to .* on 2 worker"
    with pytest.raises(sim.ScenarioError, match=many):
        check_resources(sc, limits, replications=300, workers=2)


def test_more_servers_than_any_business_is_refused() -> None:
    sc = sim.load_scenario(MINIMAL).override(
        {
            "segments[0].initial_customers": 10_000_000,
            "segments[0].vms_per_customer": {"dist": "fixed", "value": 1_000_000},
        }
    )
    with pytest.raises(sim.ScenarioError, match=r"segments\[0\].initial_customers: .* servers"):
        check_resources(sc, UNLIMITED)


@pytest.mark.parametrize(
    "change",
    [
        {"segments.small_businesses.channel_mix": {"web": 1.0, "direct_sales": 0.0}},
        {"segments[0].channel_mix": {"web": 1.0, "direct_sales": 0.0}},
        {"segments": {"small_businesses": {"channel_mix": {"web": 1.0, "direct_sales": 0.0}}}},
    ],
)
def test_a_channel_mix_changed_by_an_event_counts_however_it_is_written(
    change: dict[str, object],
) -> None:
    base = sim.load_scenario(MINIMAL).override(
        {
            "segments[0].potential_customers": 1e6,
            "segments[0].channel_mix": {"web": 0.0, "direct_sales": 1.0},
            "channels.direct_sales.reps": 1,
        }
    )
    switched = base.override({"events": [{"date": "2025-01-01", "set": change}]})
    assert estimate(base).customers < 1e4  # one rep's reach
    assert estimate(switched).customers > 5e5  # the whole web potential


def test_a_refusal_names_the_event_that_raises_the_key() -> None:
    sc = sim.load_scenario(MINIMAL).override(
        {"events": [{"date": "2025-01-01", "set": {"segments[0].potential_customers": 5e8}}]}
    )
    with pytest.raises(sim.ScenarioError) as caught:
        check_resources(sc)
    text = str(caught.value)
    assert text.startswith('events[0].set."segments[0].potential_customers": the run can sign')
    assert "(got 500000000.0)" in text


def test_a_pooling_curve_too_long_is_refused_before_it_starts() -> None:
    from iaas_sim.engine.guard import check_curve
    from iaas_sim.experiments.pooling_curve import pooling_curve

    spec = {"mix": [{"usage_profile": "always_on"}], "customers": [10, 100_000]}
    with pytest.raises(sim.ScenarioError, match=r"^replications: 200 books of up to 100,000"):
        pooling_curve(spec, replications=200, weeks=52)
    small = pooling_curve(spec, replications=2, weeks=1, customers=[10, 100])
    assert list(small.table["customers"]) == [10, 100]
    assert check_curve(small.spec, UNLIMITED) < 1.0


def test_every_command_that_runs_is_guarded_and_allow_large_reaches_it(tmp_path: Path) -> None:
    huge = ["--set", "segments[0].potential_customers=1e9"]
    minimal = str(MINIMAL)
    text = MINIMAL.read_text()
    big = tmp_path / "big" / "big.toml"
    big.parent.mkdir()
    big.write_text(re.sub(r"potential_customers = [\d_.e]+", "potential_customers = 1e9", text))
    out = tmp_path / "out"
    out.mkdir()
    commands = [
        ["compare", minimal, str(big), "--out", str(out / "c.png")],
        ["report", minimal, *huge, "--out", str(out / "r.html")],
        ["sensitivity", minimal, *huge, "--param", "pricing.vm_hour_price=0.04:0.06"],
    ]
    for args in commands:
        ran = iaas_sim(*args)
        assert ran.returncode == 2, (args, ran.stderr)
        assert "add --allow-large to run anyway" in ran.stderr, args
        assert "Traceback" not in ran.stderr
    assert not list(out.iterdir())


def test_the_command_line_limit_does_not_move_with_the_memory_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import iaas_sim.engine.guard as guard

    first = command_line_limits()
    monkeypatch.setattr(guard, "machine_memory", lambda: 4 * 2**30)  # a 4 GiB machine
    small = command_line_limits()
    assert small.memory_bytes == pytest.approx(0.8 * 4 * 2**30)
    assert first.memory_bytes <= DEFAULT_LIMITS.memory_bytes
    monkeypatch.undo()
    assert command_line_limits() == first
    source = Path(guard.__file__).read_text()
    assert "MemAvailable" not in source  # the memory free now is never read
