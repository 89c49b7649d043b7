"""The whole scenario: how to run it (``[run]``) and the world it describes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from iaas_sim.scenario.events import Event
from iaas_sim.scenario.market import Channels, Marketplace, Pricing, Reserved, Segment
from iaas_sim.scenario.operations import Capacity, Costs, Finance, Pooling
from iaas_sim.scenario.overrides import apply_overrides
from iaas_sim.scenario.sla import Sla
from iaas_sim.scenario.types import Date, Frozen, Seed
from iaas_sim.scenario.uncertain import InputDistribution, RankCorrelation

if TYPE_CHECKING:
    from collections.abc import Mapping


MAX_EVENTS = 200
"""Dated events of one scenario: each one re-validates the scenario it changes."""


def _no_bool(value: Any) -> Any:
    """``true`` equals 1 to Python; a version is a number."""
    if isinstance(value, bool):
        raise ValueError("must be the number 1, not true or false")
    return value


class Run(Frozen):
    """How to run the scenario, kept apart from the world it describes."""

    start: Date
    """First day of the first simulated month; must be the 1st of a month [date]."""
    months: Annotated[int, Field(ge=1, le=600)]
    """Number of calendar months simulated [months]."""
    seed: Seed = 0
    """Default random seed [-]."""
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    """ISO 4217 code of every money amount in the file [-]."""

    @field_validator("start")
    @classmethod
    def _first_of_month(cls, value: dt.date) -> dt.date:
        if value.day != 1:
            raise ValueError("must be the first day of a month")
        return value

    @property
    def end(self) -> dt.date:
        """First day after the last simulated month."""
        return self.month_start(self.months)

    @property
    def last_month(self) -> dt.date:
        """First day of the last simulated month."""
        return self.month_start(self.months - 1)

    def month_start(self, k: int) -> dt.date:
        """First day of the ``k``-th month after the start (0 is the first)."""
        total = self.start.month - 1 + k
        return dt.date(self.start.year + total // 12, total % 12 + 1, 1)


class Scenario(Frozen):
    """An IaaS provider's business plan. Build with ``load_scenario``; never mutate:
    ``override`` returns a re-validated copy."""

    schema_version: Annotated[Literal[1], BeforeValidator(_no_bool)]
    """Version of this file format [-]."""
    name: Annotated[str, Field(min_length=1, max_length=200)]
    """Human-readable name used in titles [-]."""
    description: Annotated[str, Field(max_length=100_000)] = ""
    """Free text: what the scenario represents and where its figures come from [-]."""
    run: Run
    """How to run it [-]."""
    segments: Annotated[list[Segment], Field(min_length=1, max_length=100)]
    """Customer segments [-]."""
    channels: Channels = Channels()
    """Sales channels [-]."""
    pricing: Pricing
    """List prices [-]."""
    marketplace: Marketplace = Marketplace()
    """ISV marketplace [-]."""
    reserved: Reserved = Reserved()
    """Reserved capacity terms [-]."""
    capacity: Capacity = Capacity()
    """Servers and procurement [-]."""
    costs: Costs = Costs()
    """Operating costs [-]."""
    finance: Finance = Finance()
    """Accounting and cash [-]."""
    pooling: Pooling = Pooling()
    """How hourly demand is pooled [-]."""
    sla: Sla = Field(default_factory=Sla)
    """Outages and credits per SLA tier [-]."""
    events: Annotated[list[Event], Field(max_length=MAX_EVENTS)] = Field(default_factory=list)
    """Dated changes: pivots, price cuts, new programmes [-]."""
    uncertain: Annotated[dict[str, InputDistribution], Field(max_length=200)] = Field(
        default_factory=dict
    )
    """Uncertain inputs: dotted path of a number -> its distribution; each replication
    draws them once [-]."""
    correlations: Annotated[list[RankCorrelation], Field(max_length=1000)] = Field(
        default_factory=list
    )
    """Rank correlations between uncertain inputs (Monte Carlo runs) [-]."""

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        names = [s.name for s in self.segments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"segments: names must be unique, repeated: {', '.join(dupes)}")
        roles = [r.role for r in self.costs.staff]
        repeated = sorted({r for r in roles if roles.count(r) > 1})
        if repeated:
            raise ValueError(f"costs.staff: roles must be unique, repeated: {', '.join(repeated)}")
        for i, event in enumerate(self.finance.funding):
            if not self.run.start <= event.date < self.run.end:
                raise ValueError(
                    f"finance.funding[{i}].date: must be within the run, {self.run.start} to "
                    f"{self.run.end - dt.timedelta(days=1)} (got {event.date})"
                )
        last_month = self.run.last_month
        for i, change in enumerate(self.events):
            # Events apply from the first month starting on or after their date.
            if not self.run.start <= change.date <= last_month:
                raise ValueError(
                    f"events[{i}].date: must be within the run, {self.run.start} to "
                    f"{last_month} (the first day of its last month) (got {change.date})"
                )
        for i, seg in enumerate(self.segments):
            if seg.adoption_start is not None and seg.adoption_start >= self.run.end:
                raise ValueError(
                    f"segments[{i}].adoption_start: must be before the run's end, "
                    f"{self.run.end} (got {seg.adoption_start})"
                )
        return self

    def override(self, changes: Mapping[str, Any]) -> Scenario:
        """A re-validated copy with dotted paths replaced, e.g.
        ``{"pricing.vm_hour_price": 0.05, "segments[0].churn_per_month": 0.02}``."""
        return apply_overrides(self, changes)
