"""The supply side of a scenario: capacity, operating costs and finance."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from iaas_sim.scenario.types import (
    MAX_CASH,
    Cash,
    Count,
    Date,
    Frozen,
    Money,
    MoneySchedule,
    PeopleSchedule,
    PositiveCount,
    Share,
)


class Thresholds(Frozen):
    """Utilisation thresholds that drive procurement (Cloudwatt's CEO: 55 / 75 / 85 %)."""

    low: Share = 0.55
    """Below this the provider is 'eating the business' [share of capacity]."""
    target: Share = 0.75
    """Procurement brings utilisation back to this [share of capacity]."""
    high: Share = 0.85
    """Above this servers are ordered [share of capacity]."""

    @model_validator(mode="after")
    def _increasing(self) -> Thresholds:
        if not (0.0 < self.low < self.target < self.high <= 1.0):
            raise ValueError(
                "thresholds must satisfy 0 < low < target < high <= 1, got "
                f"low={self.low}, target={self.target}, high={self.high}"
            )
        return self


class Capacity(Frozen):
    """Servers the provider buys and how it decides to buy more."""

    vms_per_server: PositiveCount = 20
    """VMs one server hosts [VMs per server]."""
    servers_per_rack: PositiveCount = 20
    """Servers in one rack [servers per rack]."""
    initial_servers: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    """Servers installed at the run's start, bought then [servers]."""
    capex_per_server: Money = 8000.0
    """Purchase and installation cost of one server, its share of network and storage
    included [currency per server]."""
    lead_time_days: Annotated[float, Field(ge=0.0, le=3650.0)] = 60.0
    """Time from order to servers in service [days]."""
    min_order_servers: PositiveCount = 1
    """Smallest order placed [servers]."""
    thresholds: Thresholds = Thresholds()
    """Utilisation thresholds low / target / high [shares of capacity]."""
    utilisation_basis: Literal["peak", "mean"] = "peak"
    """Which monthly utilisation the thresholds apply to: the peak hour or the mean [-]."""
    forecast: bool = True
    """Order on the demand forecast for when an order placed now would arrive, one lead time
    plus one month ahead (the next review), by the linear trend of the last three months;
    never below this month's demand [-]."""
    vendor_share_of_servers: Share = 0.0
    """Share of every order (and of the initial servers) installed by a hardware vendor at
    no capex, in exchange for ``vendor_revenue_share`` of the revenue earned on them
    [share 0-1]."""
    vendor_revenue_share: Share = 0.0
    """Share of the compute revenue (usage and reserved) earned on vendor servers paid to
    the vendor, pro rata to their server-hours [share 0-1]."""
    admission_max_utilisation: Annotated[float, Field(ge=0.01, le=1.0)] = 1.0
    """New customers are refused when their expected peak load would push the expected peak
    above this share of capacity [share of capacity]."""


class Pooling(Frozen):
    """How the customers' hourly demand is pooled (see README "Pooling")."""

    mode: Literal["auto", "per_customer", "cohort"] = "auto"
    """``per_customer`` draws every customer's hourly path (exact individual peaks);
    ``cohort`` draws each cohort's aggregate directly, at a cost that does not grow with
    the number of customers (individual peaks estimated); ``auto`` pools per customer in a
    month with at most ``auto_max_customers`` customers, by cohort above. Both give the
    same statistics [-]."""
    correlation: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Correlation between any two customers' hourly fluctuations, through a shock common
    to all (a market-wide surge or lull); 0 for independent customers [ratio 0-1]."""
    common_autocorrelation: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.9
    """Lag-1 hourly autocorrelation of the common shock [ratio]."""
    reference_customers: Annotated[int, Field(ge=0, le=10_000)] = 32
    """Simulated customers per demand class from which ``cohort`` mode estimates the
    customers' individual peaks (the pooling gain); 0 skips them and leaves the pooling
    gain unknown in months pooled by cohort [customers]."""
    auto_max_customers: Annotated[int, Field(ge=0, le=10_000_000)] = 250
    """Largest book pooled per customer in ``auto`` mode [customers]."""


class StaffRole(Frozen):
    """A group of employees with the same loaded cost."""

    role: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
    """Name of the role [-]."""
    headcount: PeopleSchedule
    """Employees in this role over time [people]."""
    loaded_cost_per_year: Money
    """Salary, social charges and overheads of one employee [currency per person-year]."""


class Costs(Frozen):
    """Operating costs."""

    power_w_per_server: Annotated[float, Field(ge=0.0, le=100_000.0)] = 350.0
    """Average electrical draw of one server [W per server]."""
    pue: Annotated[float, Field(ge=1.0, le=5.0)] = 1.6
    """Power usage effectiveness of the datacenter [ratio]."""
    electricity_price_per_kwh: Annotated[float, Field(ge=0.0, le=1000.0)] = 0.08
    """Electricity price [currency per kWh]."""
    colocation_per_rack_month: Money = 1500.0
    """Rent of one rack's space, cooling and connectivity from the house provider
    [currency per rack-month]."""
    maintenance_share_of_capex_per_year: Share = 0.10
    """Hardware and software maintenance [share of installed capex per year]."""
    staff: Annotated[list[StaffRole], Field(max_length=100)] = Field(default_factory=list)
    """Staff plan by role [-]."""
    marketing_per_month: MoneySchedule = 0.0
    """Marketing spend [currency per month]."""


class FundingEvent(Frozen):
    """Cash put in by shareholders or lenders."""

    date: Date
    """Day the cash arrives [date]."""
    amount: Annotated[float, Field(ge=0.01, le=MAX_CASH)]
    """Cash received [currency]."""


class Finance(Frozen):
    """Accounting and cash conventions."""

    depreciation_years: Annotated[float, Field(ge=0.1, le=50.0)] = 4.0
    """Straight-line depreciation period of servers [years]."""
    discount_rate_per_year: Annotated[float, Field(ge=0.0, le=1.0)] = 0.10
    """Rate used for the NPV [share per year]."""
    dso_days: Annotated[float, Field(ge=0.0, le=365.0)] = 30.0
    """Days sales outstanding: delay between billing and cash [days]."""
    initial_cash: Cash = 0.0
    """Cash in the bank at the run's start [currency]."""
    funding: Annotated[list[FundingEvent], Field(max_length=1000)] = Field(default_factory=list)
    """Funding events [-]."""


__all__ = ["Capacity", "Costs", "Count", "Finance", "FundingEvent", "StaffRole", "Thresholds"]
