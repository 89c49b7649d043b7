"""Scenario files, ``--set`` values, goals and sweep values are data: TOML and numbers,
never evaluated, never unpickled. Strings that look like code stay strings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import iaas_sim as sim
from tests.cli import iaas_sim
from tests.conftest import ROOT

PACKAGE = ROOT / "iaas_sim"
FORBIDDEN = re.compile(
    r"(?<![\w.])(eval|exec|compile)\(|pickle\.loads?\(|read_pickle\(|yaml\.load\(|marshal\.loads?\("
    r"|__import__\(|shell=True|os\.system\(|importlib\.import_module\((?!_WHERE)"
)
"""Ways to run a string as code or to unpickle bytes."""


def test_the_package_never_evaluates_or_unpickles() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


def test_code_in_a_scenario_stays_a_string(tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    code = f"__import__('os').system('touch {canary}')"
    text = (ROOT / "scenarios/minimal.toml").read_text()
    text = text.replace('name = "Minimal web-only provider"', f'name = "{code}"', 1)
    template = "{{7*7}} ${HOME} %(x)s {0} <b>"
    text = text.replace('description = "One segment,', f'description = "{template} One segment,', 1)
    assert code in text
    scenario = tmp_path / "code.toml"
    scenario.write_text(text)
    out = tmp_path / "out"
    proc = iaas_sim("run", str(scenario), "--set", "run.months=6", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((out / "metrics.json").read_text())["metadata"]
    assert meta["scenario_name"] == code
    sc = sim.load_scenario(scenario)
    assert sc.description.startswith(template)
    page = tmp_path / "page.html"
    shown = iaas_sim(
        "report", str(scenario), "--set", "run.months=6", "--no-pooling", "--out", str(page)
    )
    assert shown.returncode == 0, shown.stderr
    assert "{{7*7}} ${HOME} %(x)s {0} &lt;b&gt;" in page.read_text()
    assert not canary.exists()


def test_code_in_set_goals_and_sweep_values_is_refused_as_data(tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    code = f"__import__('os').system('touch {canary}')"
    minimal = str(ROOT / "scenarios/minimal.toml")
    short = ["--set", "run.months=6"]
    cases = [
        (["run", minimal, *short, "--set", f"pricing.vm_hour_price={code}"], "must be a number"),
        (["run", minimal, *short, "--set", f'pricing.vm_hour_price="{code}"'], "a number"),
        (["run", minimal, *short, "--set", f"{code}=1"], "unknown key"),
        (["mc", minimal, *short, "-n", "2", "--goal", f"{code} >= 0"], "--goal"),
        (["sweep", minimal, *short, "--param", f"pricing.vm_hour_price=[{code}]"], "--param"),
    ]
    for args, message in cases:
        proc = iaas_sim(*args, "--out", str(tmp_path / "out"))
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    # A string where a string is expected is kept as it is, not run.
    named = iaas_sim(
        "run", minimal, *short, "--set", f'name="{code}"', "--out", str(tmp_path / "n")
    )
    assert named.returncode == 0, named.stderr
    assert (
        json.loads((tmp_path / "n/metrics.json").read_text())["metadata"]["scenario_name"] == code
    )
    assert not canary.exists()
