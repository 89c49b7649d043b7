"""The registry of outputs: it covers every column and metric, names one family per prefix,
and a column it does not declare fails the run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import iaas_sim as sim
from iaas_sim.core.streams import make_streams
from iaas_sim.engine.columns import PREFIXES, RegistryError, monthly_columns
from iaas_sim.engine.ledger import compute_monthly
from iaas_sim.engine.world import World
from tests.conftest import tiny


def test_the_registry_covers_every_shipped_table_and_metric(
    shipped_results: dict[str, sim.Result],
) -> None:
    for name, res in shipped_results.items():
        table = sim.columns(f"scenarios/{name}.toml")
        monthly = table[table["table"] == "monthly"]
        assert monthly["name"].tolist() == list(res.monthly.columns), name
        assert table[table["table"] == "metrics"]["name"].tolist() == list(res.metrics), name
        assert (table["description"].str.len() > 0).all()
        assert set(table["sums_to"]) - {""} <= set(monthly["name"])


def test_columns_lists_name_unit_family_description_and_total() -> None:
    table = sim.columns()
    assert list(table.columns) == ["name", "unit", "family", "description", "sums_to", "table"]
    row = table.set_index("name").loc["partner_type_revenue_<type>"]
    assert (row["family"], row["sums_to"]) == (
        "revenue by partner type",
        "channel_revenue_partners",
    )
    streams = table[table["family"] == "revenue stream"]
    assert streams["name"].tolist() == [
        "revenue_usage",
        "revenue_reserved",
        "revenue_marketplace",
        "revenue_sla_credits",
    ]
    assert set(streams["sums_to"]) == {"revenue"}


def test_a_prefix_names_one_family_only() -> None:
    for column in monthly_columns(["a", "b"]):
        for family, prefix in PREFIXES.items():
            assert column.name.startswith(prefix) == (column.family == family), column
    names = [c.name for c in monthly_columns(["a"])]
    assert len(names) == len(set(names))


def world_books() -> tuple[World, sim.Scenario]:
    sc = tiny()
    world = World(sc, make_streams(1))
    world.run()
    return world, sc


def test_a_column_the_registry_does_not_declare_fails_the_run() -> None:
    world, sc = world_books()
    books = world.books()
    for row in books.rows:
        row["revenue_gpu"] = 1.0  # a new stream someone forgot to declare
    with pytest.raises(RegistryError, match="not declared \\['revenue_gpu'\\]"):
        compute_monthly(books, sc.finance)


def test_a_declared_column_the_close_forgot_fails_the_run() -> None:
    world, sc = world_books()
    books = world.books()
    rows = [{k: v for k, v in row.items() if k != "opex_power"} for row in books.rows]
    with pytest.raises(RegistryError, match="declared but missing \\['opex_power'\\]"):
        compute_monthly(dataclasses.replace(books, rows=rows), sc.finance)


def test_totals_come_from_the_registry() -> None:
    world, sc = world_books()
    monthly = compute_monthly(world.books(), sc.finance)
    streams = [c.name for c in monthly_columns(["resellers"]) if c.family == "revenue stream"]
    np.testing.assert_array_equal(monthly["revenue"], sum(monthly[s] for s in streams))
    assert (monthly["revenue"] > 0).all()


def test_the_readme_tables_are_the_registry() -> None:
    from iaas_sim.engine.columns import markdown
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    table = sim.columns()
    for which in ("monthly", "metrics"):
        start = readme.index(f"<!-- columns: {which} ")
        body = readme[readme.index("\n", start) + 1 : readme.index("<!-- /columns -->", start)]
        assert body == markdown(table[table["table"] == which]), (
            f"README's {which} table is not the registry's: paste `iaas-sim columns --markdown`"
        )


def test_the_columns_command_prints_the_registry() -> None:
    from iaas_sim.engine.columns import markdown
    from tests.cli import iaas_sim

    ran = iaas_sim("columns", "scenarios/numergy-2013.toml", "--family", "revenue by partner type")
    assert ran.returncode == 0, ran.stderr
    assert "partner_type_revenue_tech_startups" in ran.stdout
    assert "channel_revenue_partners" in ran.stdout  # what the family sums to
    assert "opex_power" not in ran.stdout
    table = sim.columns()
    md = iaas_sim("columns", "--markdown")
    assert markdown(table[table["table"] == "monthly"]) in md.stdout
    assert markdown(table[table["table"] == "metrics"]) in md.stdout
    bad = iaas_sim("columns", "--family", "revenue")
    assert bad.returncode == 2
    assert bad.stderr.startswith("--family: no family 'revenue'; the families: count")
    assert "Traceback" not in bad.stderr


def test_flattened_metrics_use_the_monthly_table_s_prefixes() -> None:
    from iaas_sim.experiments.tasks import flatten_metrics

    flat = flatten_metrics(sim.simulate(tiny()).metrics)
    assert {"channel_revenue_web", "availability_99_7", "revenue_2024"} <= set(flat)
    assert not [k for k in flat if "." in k or k.startswith("revenue_by_")]
