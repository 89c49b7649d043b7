"""``iaas-sim plot`` on every kind of saved folder, and ``iaas-sim compare``."""

from __future__ import annotations

from pathlib import Path

from tests.cli import iaas_sim
from tests.conftest import ROOT, copy_of

MINIMAL = str(ROOT / "scenarios/minimal.toml")


def test_plot_draws_every_chart_of_each_kind_of_folder(tmp_path: Path, saved_run: Path) -> None:
    mc, sweep, sens = (tmp_path / n for n in ("mc", "sweep", "sens"))
    short = ["--set", "run.months=12"]
    run = copy_of(saved_run, tmp_path / "run")  # run MINIMAL *short --no-plot
    assert iaas_sim("mc", MINIMAL, *short, "-n", "4", "-j", "1", "--out", str(mc)).returncode == 0
    grid = [
        "--param",
        "pricing.vm_hour_price=0.03:0.05:2",
        "--param",
        "channels.web.max_vms_per_customer=[5, 10]",
    ]
    assert iaas_sim("sweep", MINIMAL, *short, *grid, "-j", "1", "--out", str(sweep)).returncode == 0
    sens_args = ["--param", "pricing.vm_hour_price=0.03:0.05", "-j", "1", "--out", str(sens)]
    assert iaas_sim("sensitivity", MINIMAL, *short, *sens_args).returncode == 0

    assert iaas_sim("plot", str(run)).returncode == 0
    for name in ("cashflow", "utilisation", "revenue-mix", "revenue-channels"):
        assert (run / f"{name}.png").stat().st_size > 10_000
    assert iaas_sim("plot", str(mc)).returncode == 0
    assert (mc / "fan-cumulative_free_cash_flow.png").exists()
    axes = ["--x", "pricing.vm_hour_price", "--y", "channels.web.max_vms_per_customer"]
    assert iaas_sim("plot", str(sweep), *axes).returncode == 0
    assert (sweep / "heatmap-npv.png").exists()
    assert iaas_sim("plot", str(sens)).returncode == 0
    assert (sens / "tornado-npv.png").exists()

    bad = iaas_sim("plot", str(run), "--kind", "fan")
    assert bad.returncode == 2
    assert "--kind: a run folder has cashflow" in bad.stderr
    nothing = iaas_sim("plot", str(tmp_path))
    assert nothing.returncode == 2
    assert "not a folder written by" in nothing.stderr


def test_compare_overlays_scenarios(tmp_path: Path) -> None:
    out = tmp_path / "cmp.png"
    proc = iaas_sim(
        "compare", MINIMAL, str(ROOT / "scenarios/numergy-2013.toml"), "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 10_000
    assert "peak funding" in proc.stdout
    one = iaas_sim("compare", MINIMAL, "--out", str(out))
    assert one.returncode == 2
