"""Constrained types shared by every scenario section, defined once.

Every scenario model derives from :class:`Frozen`: immutable, strict (no silent coercion of
``"5"`` into ``5``), unknown keys refused, NaN and infinities refused, and each field's
docstring (which must carry its unit in square brackets) becomes its description.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)


class Frozen(BaseModel):
    """Base of every scenario model: parameters only, no logic."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
        validate_default=True,
        populate_by_name=True,
    )


def _parse_date(value: Any) -> Any:
    """Accept TOML dates and ISO strings (``2014-07-01`` or ``2014-07``); refuse datetimes."""
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 7:
                return dt.date.fromisoformat(text + "-01")
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("must be a date written YYYY-MM-DD") from None
    raise ValueError("must be a date written YYYY-MM-DD")


def _check_date_range(value: dt.date) -> dt.date:
    if not 1990 <= value.year <= 2200:
        raise ValueError("must be a date between 1990 and 2200")
    return value


Date = Annotated[dt.date, BeforeValidator(_parse_date), AfterValidator(_check_date_range)]
"""A calendar date; TOML dates or ISO strings."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]
"""A share or probability in [0, 1]."""

MAX_MONEY = 1e9
"""Largest price or cost per unit (a VM-hour, a server, a rack-month, a person-year...)."""
MAX_CASH = 1e12
"""Largest amount of cash in one sum (funding, initial cash)."""
MAX_COUNT = 10_000_000
"""Largest count of things bought, hired or recruited at one time (servers, VMs, people)."""
SMALLEST = 1e-6
"""Smallest positive value of a quantity that divides another (a duration, a price, a
weight): smaller ones are typing errors, and their reciprocals overflow."""

Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY)]
"""A price or cost per unit, at most 10^9."""
Cash = Annotated[float, Field(ge=0.0, le=MAX_CASH)]
"""An amount of cash, at most 10^12."""
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
PositiveCount = Annotated[int, Field(ge=1, le=MAX_COUNT)]
VmCount = Annotated[int, Field(ge=1, le=1_000_000)]
"""VMs of one customer: at most a million."""
MAX_PRICE_RESPONSE = 10.0
"""Most a low price can multiply the Bass curve's arrivals by (``price_elasticity``)."""
MAX_REPLICATIONS = 1_000_000
"""Replications of one run (or of one sweep point): beyond, the standard errors no longer
move, and the seeds alone would fill the memory."""
MAX_POINTS = 100_000
"""Points of one sweep design."""

Seed = Annotated[int, Field(ge=0, lt=2**63)]
"""A random seed."""
Multiplier = Annotated[float, Field(ge=0.01, le=100.0)]
"""A factor applied to a price: from 1/100 to 100 times."""

SLA_TIERS: tuple[str, ...] = ("99.7", "99.9", "99.99")
"""SLA tiers (yearly availability promised, %), cheapest first."""

ENVIRONMENTS: tuple[str, ...] = ("start", "entreprise", "critique")
"""Partner-programme environments; environment k is sold with SLA tier k (see DOMAIN.md)."""

PARTNER_TIERS: tuple[str, ...] = ("registered", "certified", "premium")
"""Partner certification levels, lowest first."""

CHANNELS: tuple[str, ...] = ("web", "direct_sales", "partners")
"""Sales channels, in the order used by every array of the engine and core."""

PROFILES: tuple[str, ...] = ("always_on", "business_hours", "dev_test")
"""Built-in hourly usage profiles (shapes live in ``core/profiles.py``)."""


def check_sums_to_one(values: dict[str, float], what: str) -> None:
    """Raise ``ValueError`` unless the shares add up to 1 (to 1e-6)."""
    total = sum(values.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")


class Step(Frozen):
    """One step of a schedule: ``value`` applies from ``from`` until the next step."""

    from_: Date = Field(alias="from")
    """First day this value applies [date]."""
    value: Annotated[float, Field(ge=0.0, le=MAX_CASH)]
    """Value from that day on [unit of the scheduled quantity]."""


def _check_steps(maximum: float) -> Any:
    def check(value: float | list[Step]) -> float | list[Step]:
        if isinstance(value, list):
            if not value:
                raise ValueError("a schedule needs at least one step (or write a single number)")
            dates = [step.from_ for step in value]
            for k, (a, b) in enumerate(itertools.pairwise(dates), 1):
                if b <= a:
                    raise ValueError(
                        f"schedule steps must be in increasing date order: step {k} (from {b}) "
                        f"is not after step {k - 1} (from {a})"
                    )
            for k, step in enumerate(value):
                if step.value > maximum:
                    raise ValueError(
                        f"step {k} (from {step.from_}): value must be <= {maximum:g}, "
                        f"got {step.value:g}"
                    )
        return value

    return check


def _schedule_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "constant"
    if isinstance(value, list | tuple):
        return "steps"
    return None


def schedule(maximum: float) -> Any:
    """A quantity over time of at most ``maximum``: a constant, or steps
    ``[{ from = 2014-01-01, value = 10 }, …]`` (zero before the first step)."""
    return Annotated[
        Annotated[Annotated[float, Field(ge=0.0, le=maximum)], Tag("constant")]
        | Annotated[Annotated[list[Step], Field(max_length=1000)], Tag("steps")],
        Discriminator(
            _schedule_kind,
            custom_error_type="schedule",
            custom_error_message="must be a number or a list of { from = DATE, value = X } steps",
        ),
        AfterValidator(_check_steps(maximum)),
    ]


if TYPE_CHECKING:
    PeopleSchedule = float | list[Step]
    MoneySchedule = float | list[Step]
else:
    PeopleSchedule = schedule(1e6)
    """People (or partners recruited a month) over time: at most a million."""
    MoneySchedule = schedule(MAX_MONEY)
    """An amount a month over time: at most 10^9."""
