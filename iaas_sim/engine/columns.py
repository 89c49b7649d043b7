"""The registry of outputs: every monthly column and every metric, declared once.

Each entry has a name, a unit, a family, a one-line meaning and, for the members of a
family that adds up, the column the family sums to. The ledger orders the monthly table and
computes the totals from it, the identity tests and the charts select columns by family, and
the documentation tables are printed from it (``iaas-sim columns``, ``sim.columns()``).

A prefix names one family only: ``revenue_<stream>`` are the revenue streams (they sum to
``revenue``), ``channel_revenue_<channel>`` the revenue by channel (they sum to ``revenue``
too), ``partner_type_revenue_<type>`` the revenue by partner type (they sum to
``channel_revenue_partners``), ``opex_<line>`` the operating cost lines (they sum to
``opex``), ``availability_<tier>`` the SLA tiers' availability.

To add a revenue stream or a cost line: add its entry here, in the order it should appear,
and return its value from the stage that computes it; the ledger adds it to its total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from iaas_sim.scenario import Scenario, load_scenario
from iaas_sim.scenario.types import CHANNELS, SLA_TIERS

COUNT = "count"
"""Things counted: customers, partners, people, servers (at the month's end, or in it)."""
STOCK = "stock"
"""A level at a point in time or averaged over the month (VMs, balances)."""
FLOW = "flow"
"""An amount over the month (VM-hours, money), a family's total included."""
RATIO = "ratio"
"""A share or a price (one quantity over another)."""
LABEL = "label"
"""Text."""
REVENUE_STREAM = "revenue stream"
REVENUE_BY_CHANNEL = "revenue by channel"
REVENUE_BY_PARTNER_TYPE = "revenue by partner type"
OPEX_LINE = "opex line"
AVAILABILITY = "availability"
METRIC = "metric"
FAMILIES = (
    COUNT,
    STOCK,
    FLOW,
    RATIO,
    LABEL,
    REVENUE_STREAM,
    REVENUE_BY_CHANNEL,
    REVENUE_BY_PARTNER_TYPE,
    OPEX_LINE,
    AVAILABILITY,
    METRIC,
)

PREFIXES = {
    REVENUE_STREAM: "revenue_",
    REVENUE_BY_CHANNEL: "channel_revenue_",
    REVENUE_BY_PARTNER_TYPE: "partner_type_revenue_",
    OPEX_LINE: "opex_",
    AVAILABILITY: "availability_",
}
"""The prefix of each family whose members are named by one (no other column starts so)."""

PARTNER_TYPE_PLACEHOLDER = "<type>"
LEDGER = "ledger"


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    family: str
    description: str
    sums_to: str | None = None
    """The column this one's family adds up to (None: not part of a sum)."""
    by: str = "close"
    """What computes it: the monthly close (a stage's output, named in ``engine/row.py``)
    or the ledger (totals and statements, from the whole run)."""


def channel_revenue(channel: str) -> str:
    return f"channel_revenue_{channel}"


def partner_type_revenue(name: str) -> str:
    return f"partner_type_revenue_{name}"


def availability(tier: str) -> str:
    return f"availability_{tier.replace('.', '_')}"


def opex_line(line: str) -> str:
    return f"opex_{line}"


# fmt: off
_BEFORE_CHANNELS = (
    Column("customers", "customers", COUNT, "customers still active after the month's last hour, partners' own use included (one per partner running VMs for itself); `customers` = previous month's + `new_customers` − `churned_customers`"),
    Column("new_customers", "customers", COUNT, "customers admitted this month (partners' own use included)"),
    Column("churned_customers", "customers", COUNT, "customers whose last active hour fell in this month"),
    Column("lost_customers", "customers", COUNT, "new customers (and partners' own use) refused by admission control (not enough capacity)"),
    Column("missed_customers", "customers", COUNT, "demand no channel could take: web customers too big with no other channel in the segment's mix, partner demand beyond the partners' reach, direct-sales leads that ran out of patience, and (first month) partner-channel initial customers with no initial partner"),
    Column("partners_recruited", "partners", COUNT, "partners recruited so far, all types, `initial_partners` included, active or not"),
    Column("partners_active", "partners", COUNT, "partners active at the month's end, all types"),
    Column("sales_reps", "people", COUNT, "direct sales reps this month (schedule value, day-weighted)"),
    Column("vms_avg", "VMs", STOCK, "average VMs running: served VM-hours / hours in the month"),
    Column("vms_peak", "VMs", STOCK, "highest hourly demand of the month (unconstrained: may exceed capacity)"),
    Column("capacity_vms", "VMs", STOCK, "capacity at the month's end: servers × `vms_per_server`"),
    Column("servers", "servers", COUNT, "servers installed at the month's end"),
    Column("server_hours", "server-hours", FLOW, "installed servers summed over the month's hours"),
    Column("vendor_server_hours", "server-hours", FLOW, "the same for the servers installed by the hardware vendor"),
    Column("racks", "racks", COUNT, "ceil(most servers installed in the month / `servers_per_rack`)"),
    Column("utilisation", "share", RATIO, "served VM-hours / capacity VM-hours of the month (mean utilisation)"),
    Column("utilisation_peak", "share", RATIO, "highest hourly served demand / capacity"),
    Column("unserved_vm_hours", "VM-hours", FLOW, "demand above capacity in overflow hours + demand of customers whose SLA tier was down + the expected VM-hours of refused customers for the rest of the month they were refused"),
    Column("vm_hours_served", "VM-hours", FLOW, "VM-hours served, pay-as-you-go and reserved customers alike"),
    Column("pooling_mode", "text", LABEL, "how the month was pooled: `per_customer` or `cohort` (empty in months without customers)"),
    Column("list_price", "currency per VM-hour", RATIO, "list price of the month at the 99.7 % tier, after the annual and dated price cuts"),
    Column("vm_hours_billed", "VM-hours", FLOW, "pay-as-you-go VM-hours served + reserved VM-hours (used or not)"),
    Column("revenue", "currency", FLOW, "total revenue: the sum of the `revenue_<stream>` columns", by=LEDGER),
    Column("revenue_usage", "currency", REVENUE_STREAM, "pay-as-you-go VM-hours served × list price × SLA multiplier, net of partner discounts", "revenue"),
    Column("revenue_reserved", "currency", REVENUE_STREAM, "reserved VMs: hourly charges on every reserved VM-hour + upfront fees recognised over their term", "revenue"),
    Column("revenue_marketplace", "currency", REVENUE_STREAM, "provider's share of ISV solution sales", "revenue"),
    Column("revenue_sla_credits", "currency", REVENUE_STREAM, "SLA credits, ≤ 0: each tier's credit share × its customers' usage revenue", "revenue"),
    Column("partner_discounts", "currency", FLOW, "discounts granted to partners (list value − net revenue, usage and reserved hourly charges), ≥ 0"),
    Column("partner_margin", "currency", FLOW, "the partners' margin: the same amount as `partner_discounts`"),
    Column("partner_margin_per_vm_hour", "currency per VM-hour", RATIO, "`partner_margin` / VM-hours billed through the partner channel; empty (NaN) when there are none"),
    Column("isv_solution_revenue", "currency", FLOW, "ISV solution sales on the marketplace, gross (mostly the ISVs' money; not in `revenue`)"),
    Column("upfront_cash", "currency", FLOW, "reserved upfront fees paid this month (one per term starting), cashed at once"),
)

_CHANNELS = {
    "web": "revenue (all streams, credits deducted) from web-shop customers",
    "direct_sales": "revenue from direct-sales customers",
    "partners": "revenue from partner-channel customers, partners' own use included (the sum of the `partner_type_revenue_<type>` columns)",
}
_PARTNER_TYPE = "revenue (all streams, credits deducted) from the customers of this partner type's partners and from their own use; one column per type, in the order of `channels.partners.types`"
_TIERS = {
    "99.7": "share of the month's hours the 99.7 % tier's service was up",
    "99.9": "the same for 99.9 %",
    "99.99": "the same for 99.99 %",
}

_AFTER_CHANNELS = (
    Column("procurement_utilisation", "share", RATIO, "procurement demand `D` (peak or mean hourly demand, per `capacity.utilisation_basis`, + refused customers' peak load) / capacity at the month's end; the thresholds apply to it; empty (NaN) when there is demand and no capacity, 0 when there is neither"),
    Column("servers_ordered", "servers", COUNT, "servers ordered at this month's close"),
    Column("opex", "currency", FLOW, "total operating costs: the sum of the `opex_<line>` columns", by=LEDGER),
    Column("opex_power", "currency", OPEX_LINE, "electricity", "opex"),
    Column("opex_colocation", "currency", OPEX_LINE, "rack rent", "opex"),
    Column("opex_maintenance", "currency", OPEX_LINE, "hardware and software maintenance", "opex"),
    Column("opex_staff", "currency", OPEX_LINE, "staff of `costs.staff`", "opex"),
    Column("opex_sales_force", "currency", OPEX_LINE, "direct sales reps", "opex"),
    Column("opex_partner_programme", "currency", OPEX_LINE, "partner programme", "opex"),
    Column("opex_marketing", "currency", OPEX_LINE, "marketing", "opex"),
    Column("opex_vendor_share", "currency", OPEX_LINE, "revenue share paid to the hardware vendor", "opex"),
    Column("capex", "currency", FLOW, "servers ordered this month (and `initial_servers` in the first month), those installed by the vendor excepted", by=LEDGER),
    Column("depreciation", "currency", FLOW, "straight-line depreciation of servers in service", by=LEDGER),
    Column("deferred_revenue", "currency", STOCK, "reserved upfront fees cashed but not yet recognised as revenue, at the month's end", by=LEDGER),
    Column("ebitda", "currency", FLOW, "revenue − opex", by=LEDGER),
    Column("ebit", "currency", FLOW, "EBITDA − depreciation", by=LEDGER),
    Column("collections", "currency", FLOW, "cash received from customers: revenue shifted by DSO (recognised upfront fees excepted) + `upfront_cash`", by=LEDGER),
    Column("free_cash_flow", "currency", FLOW, "collections − opex − capex", by=LEDGER),
    Column("funding", "currency", FLOW, "cash put in: `initial_cash` (first month) and funding events", by=LEDGER),
    Column("cash_flow", "currency", FLOW, "free cash flow + funding", by=LEDGER),
    Column("cumulative_cash", "currency", STOCK, "bank balance: running sum of `cash_flow`", by=LEDGER),
    Column("cumulative_free_cash_flow", "currency", STOCK, "running sum of free cash flow: the J-curve, without funding", by=LEDGER),
    Column("pooling_gain", "ratio", RATIO, "Σ of each customer's own peak hour / peak hour of the total demand (in months pooled by cohort, the own peaks are estimated from reference customers); empty (NaN) in months without demand, or pooled by cohort with `reference_customers = 0`"),
    Column("events", "text", LABEL, "names of the dated events that took effect at this month's opening, `; ` between them; empty in other months"),
)

METRICS: tuple[Column, ...] = (
    Column("npv", "currency", METRIC, "net present value of the monthly free cash flow at `finance.discount_rate_per_year`, each month discounted from its end; funding is excluded; no terminal value"),
    Column("irr", "share per year", METRIC, "yearly internal rate of return of the monthly free cash flow, `(1 + monthly rate)^12 − 1`; `null` when the cash flows never change sign or no rate between −90 % and +1000 % a month makes the NPV zero"),
    Column("breakeven_month", "YYYY-MM", METRIC, "first month from which EBITDA stays positive until the end of the run; `null` if the last month's EBITDA is not positive"),
    Column("payback_month", "YYYY-MM", METRIC, "first month, after the deepest point of the J-curve, when cumulative free cash flow is back to zero or above; the first month of the run if it never goes below zero; `null` if it does not come back within the run"),
    Column("peak_funding", "currency", METRIC, "deepest point of cumulative free cash flow, as a positive number (0 if never negative): the cash the plan needs before funding"),
    Column("revenue_by_year", "currency by year", METRIC, 'revenue per calendar year, `{"2014": …}`'),
    Column("mean_utilisation", "share", METRIC, "average of the monthly `utilisation` over the months in service"),
    Column("months_in_service", "months", METRIC, "months with capacity, from the first month that billed any VM-hours (idle months before the launch are left out of the three utilisation metrics)"),
    Column("months_below_low_threshold", "months", METRIC, "months in service whose `procurement_utilisation` is below `thresholds.low` (the thresholds in force at the run's end, if events change them)"),
    Column("months_above_high_threshold", "months", METRIC, "months in service whose `procurement_utilisation` is above `thresholds.high` (idem)"),
    Column("pooling_gain", "ratio", METRIC, "average of the monthly `pooling_gain` over months with demand"),
    Column("total_revenue", "currency", METRIC, "revenue of the whole run"),
    Column("final_customers", "customers", METRIC, "`customers` in the last month"),
    Column("final_vms_avg", "VMs", METRIC, "`vms_avg` in the last month"),
    Column("lost_customers", "customers", METRIC, "sum of `lost_customers`"),
    Column("missed_customers", "customers", METRIC, "sum of `missed_customers`"),
    Column("unserved_vm_hours", "VM-hours", METRIC, "sum of `unserved_vm_hours`"),
    Column("min_cash_balance", "currency", METRIC, "lowest `cumulative_cash` (bank balance, funding included)"),
    Column("months_cash_negative", "months", METRIC, "months with a negative bank balance"),
    Column("revenue_by_channel", "currency by channel", METRIC, 'revenue of the whole run per channel, `{"web": …, "direct_sales": …, "partners": …}`'),
    Column("availability_by_tier", "share by tier", METRIC, "availability of each SLA tier over the whole run (the monthly `availability_<tier>` weighted by the month's hours), `{\"99.7\": …, \"99.9\": …, \"99.99\": …}`"),
    Column("sla_credits", "currency", METRIC, "SLA credits of the whole run, as a positive amount (minus the sum of `revenue_sla_credits`)"),
)
# fmt: on
"""The metrics of a run, in the order ``Result.metrics`` holds them."""


def monthly_columns(partner_types: Sequence[str] | None = None) -> tuple[Column, ...]:
    """The monthly table's columns in order, one ``partner_type_revenue_<type>`` per name of
    ``partner_types`` (None: one entry standing for them all)."""
    types = [PARTNER_TYPE_PLACEHOLDER] if partner_types is None else partner_types
    return (
        *_BEFORE_CHANNELS,
        *(
            Column(channel_revenue(c), "currency", REVENUE_BY_CHANNEL, _CHANNELS[c], "revenue")
            for c in CHANNELS
        ),
        *(
            Column(
                partner_type_revenue(t),
                "currency",
                REVENUE_BY_PARTNER_TYPE,
                _PARTNER_TYPE,
                channel_revenue("partners"),
            )
            for t in types
        ),
        *(Column(availability(t), "share of hours", AVAILABILITY, _TIERS[t]) for t in SLA_TIERS),
        *_AFTER_CHANNELS,
    )


def members(columns: Iterable[Column], family: str) -> list[str]:
    """Names of a family's columns, in order."""
    return [c.name for c in columns if c.family == family]


def totals(columns: Iterable[Column]) -> dict[str, list[str]]:
    """Each total and the columns that sum to it, in order."""
    out: dict[str, list[str]] = {}
    for c in columns:
        if c.sums_to is not None:
            out.setdefault(c.sums_to, []).append(c.name)
    return out


class RegistryError(AssertionError):
    """A table's columns are not those the registry declares (a bug, not bad input)."""


def check_columns(
    names: Sequence[str], declared: Sequence[str], what: str = "the monthly table's columns"
) -> None:
    """Refuse names that are not exactly those declared, in their order."""
    if list(names) != list(declared):
        extra = sorted(set(names) - set(declared))
        missing = sorted(set(declared) - set(names))
        raise RegistryError(
            f"{what} differ from the registry "
            f"(iaas_sim/engine/columns.py): not declared {extra}, declared but missing "
            f"{missing}" + ("" if extra or missing else ", same names in another order")
        )


def columns(scenario: Scenario | str | Path | dict[str, Any] | None = None) -> pd.DataFrame:
    """Every monthly column and every metric: ``name``, ``unit``, ``family``,
    ``description``, ``sums_to`` (empty when not part of a sum) and ``table`` (``monthly``
    or ``metrics``). With a scenario, its partner types are named; without one, a single
    ``partner_type_revenue_<type>`` row stands for them."""
    types = None
    if scenario is not None:
        types = [t.name for t in load_scenario(scenario).channels.partners.types]
    rows = [(c, "monthly") for c in monthly_columns(types)] + [(c, "metrics") for c in METRICS]
    return pd.DataFrame(
        {
            "name": [c.name for c, _ in rows],
            "unit": [c.unit for c, _ in rows],
            "family": [c.family for c, _ in rows],
            "description": [c.description for c, _ in rows],
            "sums_to": [c.sums_to or "" for c, _ in rows],
            "table": [t for _, t in rows],
        }
    )


def markdown(table: pd.DataFrame) -> str:
    """A ``columns()`` table (one of its ``table`` values) as the Markdown table the README
    shows."""
    lines = ["| name | unit | family | meaning | sums to |", "|---|---|---|---|---|"]
    for row in table.to_dict("records"):
        name, unit, family, meaning, total = (
            str(row[k]) for k in ("name", "unit", "family", "description", "sums_to")
        )
        lines.append(
            f"| `{name}` | {unit} | {family} | {meaning} | {f'`{total}`' if total else ''} |"
        )
    return "\n".join(lines) + "\n"
