"""Each stage of the monthly close on hand-made inputs: no scenario, no SimPy world."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from iaas_sim.core.billing import MAX_PARTNER_TYPES, N_GROUPS, compute_group
from iaas_sim.core.pooling import Book, Classes, Settings
from iaas_sim.engine.stages.admission import AdmissionInput, admit
from iaas_sim.engine.stages.billing import BillingInput, Tariff, bill
from iaas_sim.engine.stages.channels import (
    DIRECT,
    PARTNERS,
    WEB,
    Leads,
    SegmentDemand,
    route_web,
    sample_reach,
    sample_sales,
)
from iaas_sim.engine.stages.costs import CostInput, CostPlan, compute_costs
from iaas_sim.engine.stages.pooling import PoolingInput, PoolingState, sample_pool
from iaas_sim.engine.stages.procurement import (
    Delivery,
    ProcurementInput,
    compute_installed,
    decide,
)
from iaas_sim.engine.stages.promotion import PromotionInput, promote
from iaas_sim.scenario.sla import CreditStep

HOURS = 720
FLAT = np.ones((1, 168))  # one usage profile, always at full use


def rng() -> np.random.Generator:
    return np.random.default_rng(3)


# -- admission -------------------------------------------------------------------------------
def arrivals(vms: list[float], start: list[int]) -> dict[str, np.ndarray]:
    n = len(vms)
    return {
        "vms": np.array(vms, dtype=float),
        "profile": np.zeros(n, dtype=np.int64),
        "start": np.array(start, dtype=np.int64),
        "end": np.full(n, 10**9, dtype=np.int64),
        "time": np.array(start, dtype=float),
    }


def admission_input(batch: dict[str, np.ndarray] | None, present_vms: float) -> AdmissionInput:
    return AdmissionInput(
        arrivals=batch,
        present_vms=np.array([present_vms]),
        present_profile=np.array([0]),
        present_end=np.array([10**9]),
        capacity_vms=np.full(HOURS, 10.0),
        shapes=FLAT,
        shape_mean=FLAT.mean(axis=1),
        shape_peak=FLAT.max(axis=1),
        max_utilisation=1.0,
        month_start=0,
        month_end=HOURS,
    )


def test_admission_takes_arrivals_first_come_first_served_while_they_fit() -> None:
    # 6 VMs present, capacity 10: two newcomers of 2 VMs fit, the third does not.
    out = admit(admission_input(arrivals([2, 2, 2], [0, 100, 200]), present_vms=6))
    assert (out.new_customers, out.lost_customers) == (2, 1)
    assert out.admitted["start"].tolist() == [0, 100]
    assert out.lost_peak_vms == 2.0
    assert out.lost_vm_hours == 2.0 * (HOURS - 200)  # the rest of the month, always on


def test_a_customer_leaving_frees_its_capacity_from_the_hour_it_leaves() -> None:
    # 8 VMs present until hour 100 (capacity 10): a newcomer of 4 VMs at hour 50 does not
    # fit, the same at hour 150 does; an admitted newcomer leaving at hour 300 makes room
    # for another from then, in the one-by-one part too.
    batch = arrivals([4, 4, 7, 7], [50, 150, 200, 400])
    batch["end"] = np.array([10**9, 300, 10**9, 10**9])
    inputs = dataclasses.replace(admission_input(batch, present_vms=8), present_end=np.array([100]))
    out = admit(inputs)
    assert out.admitted["start"].tolist() == [150, 400]
    assert (out.new_customers, out.lost_customers) == (2, 2)


def test_admission_with_nobody_arriving_admits_nobody() -> None:
    for batch in (None, arrivals([], [])):
        out = admit(admission_input(batch, present_vms=6))
        assert (out.new_customers, out.lost_customers, dict(out.admitted)) == (0, 0, {})


# -- promotion -------------------------------------------------------------------------------
def promotion_input(certified: int | None, premium: int | None) -> PromotionInput:
    # Partner 0 sells 250 VMs this month (two customers), partner 1 sells 50.
    partner = np.array([0, 0, 1, -1])
    return PromotionInput(
        partner_tier=np.array([0, 0]),
        certified_from_vms=certified,
        premium_from_vms=premium,
        month_partner=partner,
        month_vms=np.array([200.0, 50.0, 50.0, 9.0]),
        partner=partner,
        channel=np.array([PARTNERS, PARTNERS, PARTNERS, WEB]),
        sla=np.array([1, 0, 0, 0]),
        reserved=np.array([False, True, False, False]),
        ptype=np.array([2, 2, 0, 0]),
    )


def test_a_partner_whose_customers_reach_the_threshold_moves_up_with_their_groups() -> None:
    out = promote(promotion_input(certified=200, premium=1000))
    assert out.partner_tier.tolist() == [1, 0]
    assert out.rows.tolist() == [0, 1]  # partner 0's two customers
    assert out.customer_tier.tolist() == [1, 1]
    expected = compute_group(
        np.array([PARTNERS, PARTNERS]),
        np.array([1, 0]),
        np.array([1, 1]),
        np.array([False, True]),
        np.array([2, 2]),
    )
    assert out.group.tolist() == expected.tolist()


def test_premium_skips_certified_and_no_threshold_changes_nothing() -> None:
    assert promote(promotion_input(certified=None, premium=40)).partner_tier.tolist() == [2, 2]
    unchanged = promote(promotion_input(certified=None, premium=None))
    assert unchanged.partner_tier.tolist() == [0, 0]
    assert len(unchanged.rows) == 0


# -- pooling ---------------------------------------------------------------------------------
def pooling_input(vms: list[float], capacity: float, correlation: float = 0.0) -> PoolingInput:
    n = len(vms)
    group = compute_group(
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=bool),
        np.zeros(n, dtype=np.int64),
    )
    book = Book(
        vms=np.array(vms, dtype=float),
        klass=np.zeros(n, dtype=np.int64),
        state=np.zeros(n),
        held=np.full(n, -1, dtype=np.int64),
        start=np.zeros(n, dtype=np.int64),
        end=np.full(n, 10**9, dtype=np.int64),
        group=group,
    )
    return PoolingInput(
        book=book,
        classes=Classes(np.array([0]), np.array([0.2 if correlation else 0.0]), np.array([0.8])),
        month_start=0,
        capacity_vms=np.full(HOURS, capacity),
        hour_of_week0=0,
        shapes=FLAT,
        n_groups=N_GROUPS,
        settings=Settings("per_customer", correlation),
        common_autocorrelation=0.9,
        group_up=np.ones((N_GROUPS, HOURS)),
    )


def test_pooling_without_noise_serves_demand_up_to_capacity() -> None:
    pooled, state = sample_pool(
        pooling_input([4.0, 6.0], capacity=8.0), PoolingState(), rng(), rng()
    )
    assert pooled.peak_demand == pytest.approx(10.0)
    assert pooled.served_vm_hours == pytest.approx(8.0 * HOURS)
    assert pooled.unserved_vm_hours == pytest.approx(2.0 * HOURS)
    assert pooled.utilisation_peak == pytest.approx(1.0)
    assert state == PoolingState(None, None)  # per customer, uncorrelated: nothing carried


def test_pooling_carries_the_common_shock_as_a_value() -> None:
    inputs = pooling_input([5.0] * 20, capacity=1000.0, correlation=0.3)
    first, state = sample_pool(inputs, PoolingState(), rng(), rng())
    assert state.common_shock is not None
    again, same = sample_pool(inputs, PoolingState(), rng(), rng())
    assert same == state
    assert again.served_vm_hours == first.served_vm_hours
    later, _ = sample_pool(inputs, state, rng(), rng())  # the shock goes on from where it was
    assert later.served_vm_hours != first.served_vm_hours
    uncorrelated = dataclasses.replace(inputs, settings=Settings("per_customer", 0.0))
    assert sample_pool(uncorrelated, state, rng(), rng())[1].common_shock is None


# -- billing ---------------------------------------------------------------------------------
def tariff(**changes: object) -> Tariff:
    base = Tariff(
        multipliers=np.array([1.0, 1.2, 1.5]),
        discounts=np.zeros((MAX_PARTNER_TYPES, 3, 3)),
        credit_schedules=((), (), ()),
        term_hours=8766,
        upfront_per_vm=0.0,
        hourly_discount=0.3,
        solution_revenue_per_customer_month=100.0,
        provider_share=0.3,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def billing_input(t: Tariff, availability: float = 1.0) -> BillingInput:
    # A web customer at 99.7 % (100 VM-hours served), a reserved web customer with 2 VMs
    # all month, and a marketplace buyer there half the month.
    z = np.zeros(3, dtype=np.int64)
    reserved = np.array([False, True, False])
    group = compute_group(z, z, z, reserved, z)
    served = np.zeros(N_GROUPS)
    served[group[0]] = 100.0
    return BillingInput(
        tariff=t,
        list_price=0.05,
        served_by_group=served,
        availability=np.array([availability, 1.0, 1.0]),
        vms=np.array([1.0, 2.0, 1.0]),
        group=group,
        start=np.array([0, 0, HOURS // 2]),
        end=np.array([10**9, 10**9, 10**9]),
        attached=np.array([False, False, True]),
        reserved=reserved,
        month_start=0,
        month_end=HOURS,
    )


def test_a_hand_computed_bill() -> None:
    out = bill(billing_input(tariff()))
    assert out.revenue_usage == pytest.approx(100 * 0.05)
    assert out.revenue_reserved == pytest.approx(2 * HOURS * 0.05 * (1 - 0.3))
    assert out.isv_solution_revenue == pytest.approx(100.0 * 0.5)
    assert out.revenue_marketplace == pytest.approx(100.0 * 0.5 * 0.3)
    assert out.revenue_sla_credits == 0.0
    total = out.revenue_usage + out.revenue_reserved + out.revenue_marketplace
    assert out.by_channel.tolist() == pytest.approx([total, 0.0, 0.0])
    assert out.by_partner_type.sum() == 0.0
    assert np.isnan(out.partner_margin_per_vm_hour)  # nothing sold through partners


def test_credits_follow_the_tiers_schedule() -> None:
    steps = (CreditStep(availability_below=0.997, credit=0.1),)
    out = bill(billing_input(tariff(credit_schedules=(steps, (), ())), availability=0.99))
    assert out.revenue_sla_credits == pytest.approx(-0.1 * 100 * 0.05)


# -- costs -----------------------------------------------------------------------------------
def test_hand_computed_cost_lines() -> None:
    plan = CostPlan(
        staff=np.array([1000.0, 2000.0]),
        marketing=np.array([50.0, 70.0]),
        power_w_per_server=300.0,
        pue=1.5,
        electricity_price_per_kwh=0.1,
        colocation_per_rack_month=800.0,
        maintenance_share_of_capex_per_year=0.12,
        cost_per_rep_per_year=120_000.0,
        programme_cost_per_partner_per_month=(10.0, 20.0),
        vendor_revenue_share=0.2,
    )
    lines = compute_costs(
        CostInput(
            plan,
            month=1,
            server_hours=10 * HOURS,
            vendor_server_hours=5 * HOURS,
            racks=2,
            installed_capex=100_000.0,
            sales_reps=3.0,
            partners_recruited=np.array([4, 1]),
            vendor_revenue_base=1000.0,
        )
    )
    assert lines == pytest.approx(
        {
            "power": 10 * HOURS * 300 * 1.5 / 1000 * 0.1,
            "colocation": 1600.0,
            "maintenance": 100_000 * 0.12 / 12,
            "staff": 2000.0,
            "sales_force": 3 * 120_000 / 12,
            "partner_programme": 4 * 10 + 1 * 20,
            "marketing": 70.0,
            "vendor_share": 0.2 * 1000 * 0.5,
        }
    )


# -- procurement -----------------------------------------------------------------------------
def procurement_input(**changes: object) -> ProcurementInput:
    base = ProcurementInput(
        history=(),
        peak=90.0,
        mean=50.0,
        lost_peak=0.0,
        capacity_end=100.0,
        servers_planned=10,
        utilisation_basis="peak",
        forecast=False,
        lead_time_months=1.0,
        high=0.85,
        target=0.75,
        vms_per_server=10,
        min_order_servers=1,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_above_high_orders_back_to_target() -> None:
    out = decide(procurement_input())
    assert out.servers_ordered == 2  # 90 / 0.75 = 120 VMs needed, 100 planned
    assert out.procurement_utilisation == pytest.approx(0.9)
    assert out.history == (90.0,)


def test_below_high_or_on_mean_orders_nothing() -> None:
    assert decide(procurement_input(peak=80.0)).servers_ordered == 0
    mean = decide(procurement_input(utilisation_basis="mean", history=(40.0,)))
    assert (mean.servers_ordered, mean.history) == (0, (40.0, 50.0))


def test_demand_without_capacity_has_no_ratio() -> None:
    assert np.isnan(decide(procurement_input(capacity_end=0.0)).procurement_utilisation)
    assert decide(procurement_input(capacity_end=0.0, peak=0.0)).procurement_utilisation == 0


def test_servers_count_from_the_hour_they_are_delivered() -> None:
    servers, vendor = compute_installed([Delivery(0, 4, 1), Delivery(10, 2, 0)], 5, 15)
    assert servers.tolist() == [4] * 5 + [6] * 5
    assert vendor.tolist() == [1] * 10
    assert compute_installed([Delivery(20, 3, 0)], 5, 15)[0].sum() == 0


# -- channels --------------------------------------------------------------------------------
def test_web_sends_big_customers_to_partners_else_sales_else_nowhere() -> None:
    sizes = np.array([1, 9, 3, 12])
    partners = route_web(SegmentDemand(0, sizes, np.array([0.5, 0.2, 0.3]), 5))
    assert partners.to[WEB].tolist() == [1, 3]
    assert partners.to[PARTNERS].tolist() == [9, 12]
    assert partners.missed == 0
    sales = route_web(SegmentDemand(0, sizes, np.array([0.5, 0.5, 0.0]), 5))
    assert sales.to[DIRECT].tolist() == [9, 12]
    lost = route_web(SegmentDemand(0, sizes, np.array([1.0, 0.0, 0.0]), 5))
    assert set(lost.to) == {WEB}
    assert lost.missed == 2


def test_reps_take_the_oldest_leads_and_impatient_ones_leave() -> None:
    leads = Leads().add(0, np.array([0, 0]), np.array([1, 2])).add(3, np.array([1]), np.array([3]))
    out = sample_sales(leads, 3, patience_months=3, deals=1.0, rng=rng())
    assert out.missed == 2  # the two leads of month 0 waited three whole months
    assert (out.segment.tolist(), out.vms.tolist()) == ([1], [3])
    assert len(out.waiting.month) == 0
    kept = sample_sales(leads, 1, patience_months=3, deals=2.0, rng=rng())
    assert kept.vms.tolist() == [1, 2]
    assert kept.waiting.vms.tolist() == [3]


def test_partner_reach_keeps_what_active_partners_can_bring() -> None:
    none = sample_reach(10, np.array([0, 0]), np.array([1.0, 1.0]), True, rng())
    assert none.keep is not None
    assert not none.keep.any()
    ample = sample_reach(10, np.array([3, 1]), np.array([10.0, 10.0]), True, rng())
    assert ample.keep is None
    assert len(ample.ptype) == 10
    n = 20_000
    capped = sample_reach(n, np.array([100, 300]), np.array([10.0, 10.0]), True, rng())
    assert capped.keep is not None
    kept = int(capped.keep.sum())
    assert abs(kept - 4000) < 4 * np.sqrt(n * 0.2 * 0.8)  # Binomial(n, 4000 / n)
    share = float(np.mean(capped.ptype == 1))
    assert abs(share - 0.75) < 4 * np.sqrt(0.75 * 0.25 / kept)  # reach 3,000 of 4,000


def test_no_stage_sees_the_world() -> None:
    """Stages import neither the SimPy world nor simpy, and no stage function takes a
    ``World``: each is a function of frozen values."""
    import ast
    from pathlib import Path

    import iaas_sim.engine.stages as stages

    folder = Path(stages.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        tree = ast.parse(path.read_text())
        imported = {
            alias.name if isinstance(node, ast.Import) else str(node.module)
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {n for n in imported if n.startswith(("simpy", "iaas_sim.engine.world"))}, path
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for arg in node.args.args + node.args.kwonlyargs:
                    assert "World" not in ast.unparse(arg.annotation or ast.Constant("")), (
                        path.name,
                        node.name,
                    )
