"""SLA tiers: how often each tier's service fails, how long repairs take, and the credits
owed when a month's availability falls below the promise."""

from __future__ import annotations

import itertools
from typing import Annotated

from pydantic import Field, field_validator

from iaas_sim.scenario.types import Frozen, Share

PROMISES = {"99.7": 0.997, "99.9": 0.999, "99.99": 0.9999}
"""Availability each tier promises, as a share of the month's hours."""


class CreditStep(Frozen):
    """Credit owed when availability is below a level."""

    availability_below: Share
    """The step applies when a month's availability is below this [share of hours]."""
    credit: Share
    """Share of the tier's monthly bill credited back [share 0-1]."""


def default_credits(promise: float) -> list[CreditStep]:
    """10 % below the promise, 25 % below 99 %, 100 % below 95 % (a common public-cloud
    schedule)."""
    return [
        CreditStep(availability_below=promise, credit=0.10),
        CreditStep(availability_below=0.99, credit=0.25),
        CreditStep(availability_below=0.95, credit=1.00),
    ]


class SlaTier(Frozen):
    """Outages and credits of one tier (set by its redundancy)."""

    failures_per_year: Annotated[float, Field(ge=0.0, le=10_000.0)] = 0.0
    """Outages per year of service up time; 0 means no outages [outages per year]."""
    repair_hours_mean: Annotated[float, Field(ge=0.01, le=8760.0)] = 4.0
    """Mean duration of an outage [hours]."""
    repair_hours_sd: Annotated[float, Field(ge=0.0, le=8760.0)] = 4.0
    """Standard deviation of the (lognormal) duration; 0 for fixed durations [hours]."""
    credits: Annotated[list[CreditStep], Field(max_length=20)] | None = None
    """Credit schedule; the largest credit whose level the availability is below applies.
    Default: 10 % below the tier's promise, 25 % below 99 %, 100 % below 95 %; an empty list
    means no credits [-]."""

    @field_validator("credits")
    @classmethod
    def _credits_grow_as_availability_falls(
        cls, credits: list[CreditStep] | None
    ) -> list[CreditStep] | None:
        steps = sorted(credits or [], key=lambda s: -s.availability_below)
        for a, b in itertools.pairwise(steps):
            if b.credit < a.credit:
                raise ValueError(
                    "credits must not shrink as availability falls: "
                    f"{b.credit:g} below {b.availability_below:g} is less than "
                    f"{a.credit:g} below {a.availability_below:g}"
                )
        return credits


class Sla(Frozen):
    """Outages and credits per SLA tier."""

    sla_99_7: SlaTier = Field(default_factory=SlaTier, alias="99.7")
    """Tier 99.7 % [-]."""
    sla_99_9: SlaTier = Field(default_factory=SlaTier, alias="99.9")
    """Tier 99.9 % [-]."""
    sla_99_99: SlaTier = Field(default_factory=SlaTier, alias="99.99")
    """Tier 99.99 % [-]."""

    def as_tuple(self) -> tuple[SlaTier, SlaTier, SlaTier]:
        """Tiers in the order of ``SLA_TIERS``."""
        return (self.sla_99_7, self.sla_99_9, self.sla_99_99)

    def credit_schedules(self) -> tuple[list[CreditStep], ...]:
        """Each tier's credit schedule, its default where none is written."""
        return tuple(
            default_credits(PROMISES[name]) if tier.credits is None else tier.credits
            for name, tier in zip(PROMISES, self.as_tuple(), strict=True)
        )
