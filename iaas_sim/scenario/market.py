"""The demand side of a scenario: customer segments, sales channels, prices, marketplace."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from iaas_sim.scenario.distributions import VmDistribution
from iaas_sim.scenario.types import (
    SMALLEST,
    Date,
    Frozen,
    Money,
    Multiplier,
    PeopleSchedule,
    PositiveCount,
    Share,
    check_sums_to_one,
)


class ChannelMix(Frozen):
    """Share of a segment's new customers who buy through each channel."""

    web: Share = 0.0
    """Self-service web shop [share 0-1]."""
    direct_sales: Share = 0.0
    """Direct sales force [share 0-1]."""
    partners: Share = 0.0
    """Indirect channel: integrators, ISVs, wholesalers, hosters [share 0-1]."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> ChannelMix:
        check_sums_to_one(self.model_dump(), "channel shares (web + direct_sales + partners)")
        return self


class SlaMix(Frozen):
    """Share of a segment's customers buying each SLA tier (yearly availability)."""

    sla_99_7: Share = Field(0.0, alias="99.7")
    """Tier 99.7 % ('start' environment) [share 0-1]."""
    sla_99_9: Share = Field(0.0, alias="99.9")
    """Tier 99.9 % ('entreprise' environment) [share 0-1]."""
    sla_99_99: Share = Field(0.0, alias="99.99")
    """Tier 99.99 % ('critique' environment) [share 0-1]."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> SlaMix:
        check_sums_to_one(self.model_dump(), "SLA tier shares")
        return self

    def as_tuple(self) -> tuple[float, float, float]:
        """Shares in the order of ``SLA_TIERS``."""
        return (self.sla_99_7, self.sla_99_9, self.sla_99_99)


class Segment(Frozen):
    """A population of potential customers who adopt IaaS along a Bass curve."""

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
    """Identifier used in outputs [-]."""
    potential_customers: Annotated[float, Field(ge=0.0, le=1e9)]
    """Customers who will eventually adopt IaaS from this provider (Bass market m) [customers]."""
    bass_p_per_year: Annotated[float, Field(ge=SMALLEST, le=10.0)]
    """Bass coefficient of innovation p [per year]."""
    bass_q_per_year: Annotated[float, Field(ge=0.0, le=50.0)]
    """Bass coefficient of imitation q [per year]."""
    initial_customers: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    """Customers already using the service at the run's start, split by ``channel_mix`` and
    admitted at hour 0 (no web size limit, partner reach or sales cycle applies to them);
    they are not part of ``potential_customers`` [customers]."""
    adoption_start: Date | None = None
    """Day adoption starts (the commercial launch); default the run's start. If earlier than
    the run, those who adopted before the run are not in the book (give them as
    ``initial_customers``) [date]."""
    vms_per_customer: VmDistribution
    """Distribution of VMs per customer (at full use of its profile) [VMs]."""
    usage_profile: Literal["always_on", "business_hours", "dev_test"] = "always_on"
    """Shape of hourly use over the week [-]."""
    usage_cv: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """Coefficient of variation of a customer's hourly use around its profile (Gaussian
    fluctuation); default the profile's own [ratio 0-1]."""
    usage_autocorrelation: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    """Lag-1 hourly autocorrelation of the fluctuation; default the profile's own [ratio]."""
    churn_per_month: Share = 0.0
    """Probability that a customer leaves in a given month [share 0-1 per month]."""
    channel_mix: ChannelMix
    """Share of new customers per channel [shares summing to 1]."""
    marketplace_attach_rate: Share | None = None
    """Share of this segment's new customers who buy an ISV solution on the marketplace;
    default ``marketplace.attach_rate`` [share 0-1]."""
    reserved_uptake: Share = 0.0
    """Share of new customers who reserve their VMs (see ``[reserved]``) [share 0-1]."""
    sla_mix: SlaMix = SlaMix.model_validate({"99.7": 1.0})
    """Share of customers per SLA tier; default all at 99.7 % [shares summing to 1]."""


class WebChannel(Frozen):
    """Self-service web shop: card payment, monthly bill by consumption."""

    max_vms_per_customer: PositiveCount = 5
    """Largest customer the shop serves; bigger web arrivals are redirected to partners, or
    to direct sales, or not won [VMs]."""


class DirectSales(Frozen):
    """Direct sales force for large accounts and the public sector."""

    reps: PeopleSchedule = 0.0
    """Sales reps employed over time [people]."""
    cost_per_rep_per_year: Money = 0.0
    """Loaded cost of one rep [currency per person-year]."""
    deals_per_rep_per_month: Annotated[float, Field(ge=0.0, le=10_000.0)] = 1.0
    """Deals one rep can close [deals per person-month]."""
    sales_cycle_days: Annotated[float, Field(ge=0.0, le=3650.0)] = 90.0
    """Time from taking a lead on to the signature [days]."""
    lead_patience_months: Annotated[int, Field(ge=1, le=120)] = 6
    """Leads still waiting for a rep after this many whole months buy elsewhere [months]."""


Discount = Annotated[float, Field(ge=0.0, lt=1.0)]


class Discounts(Frozen):
    """Partner discount off the list price for each environment sold; an environment left
    out takes the discount of the level below (0 for registered partners)."""

    start: Discount | None = None
    """Discount on 'start' (99.7 %) environments [share of list price]."""
    entreprise: Discount | None = None
    """Discount on 'entreprise' (99.9 %) environments [share of list price]."""
    critique: Discount | None = None
    """Discount on 'critique' (99.99 %) environments [share of list price]."""

    def over(self, below: list[float]) -> list[float]:
        """Start / entreprise / critique, each left out taken from ``below``."""
        mine = (self.start, self.entreprise, self.critique)
        return [b if d is None else d for d, b in zip(mine, below, strict=True)]


class TierMix(Frozen):
    """Share of partners at each certification level."""

    registered: Share = 0.0
    """Registered partners [share 0-1]."""
    certified: Share = 0.0
    """Certified partners [share 0-1]."""
    premium: Share = 0.0
    """Premium partners [share 0-1]."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> TierMix:
        check_sums_to_one(self.model_dump(), "partner tier shares")
        return self


class TierDiscounts(Frozen):
    """Discount grid: certification level x environment. What a level leaves out it takes
    from the level below, and no level may give less than the one below: a promotion never
    lowers a partner's discount ("the more high-end they sell, the more they earn")."""

    registered: Discounts = Discounts()
    """Discounts of registered partners; 0 where left out [shares of list price]."""
    certified: Discounts = Discounts()
    """Discounts of certified partners; those of registered partners where left out
    [shares of list price]."""
    premium: Discounts = Discounts()
    """Discounts of premium partners; those of certified partners where left out
    [shares of list price]."""

    def grid(self) -> list[list[float]]:
        """Level x environment, everything left out filled from the level below."""
        registered = self.registered.over([0.0, 0.0, 0.0])
        certified = self.certified.over(registered)
        return [registered, certified, self.premium.over(certified)]

    @model_validator(mode="after")
    def _never_lower(self) -> TierDiscounts:
        grid = self.grid()
        for lower, upper, name in ((0, 1, "certified"), (1, 2, "premium")):
            if any(u < lo for lo, u in zip(grid[lower], grid[upper], strict=True)):
                raise ValueError(
                    f"{name} discounts must not be below those of the level under it, got "
                    f"{grid[upper]} < {grid[lower]}"
                )
        return self


PARTNER_KINDS = ("integrator", "isv", "wholesaler", "hoster")


class PartnerType(Frozen):
    """A kind of partner with its own programme: integrators and IT service companies
    resell and build services; ISVs run their software for their customers and list it on
    the marketplace; wholesalers aggregate networks of small resellers and keep a margin
    (their discount); hosters buy VMs to serve their own customers."""

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
    """Identifier used in outputs (``partner_type_revenue_<name>``) [-]."""
    kind: Literal["integrator", "isv", "wholesaler", "hoster"] = "integrator"
    """What the partner does; ISVs' customers count as brought by the marketplace [-]."""
    recruited_per_month: PeopleSchedule = 0.0
    """Partners signed up each month [partners per month]."""
    initial_partners: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    """Partners already active at the run's start [partners]."""
    share_active: Share = 0.5
    """Share of recruited partners who ever become active sellers [share 0-1]."""
    activation_delay_days: Annotated[float, Field(ge=0.0, le=3650.0)] = 90.0
    """Time from recruitment to first sale for partners who activate [days]."""
    customers_per_active_partner_per_month: Annotated[float, Field(ge=0.0, le=10_000.0)] = 1.0
    """New customers one active partner can bring (its reach) [customers per partner-month]."""
    own_vms_per_active_partner: Annotated[float, Field(ge=0.0, le=1e6)] = 0.0
    """VMs each active partner runs for itself (always on, billed to it at its discount;
    hosters serving their own customers, ISVs running their software) [VMs per partner]."""
    programme_cost_per_partner_per_month: Money = 0.0
    """Programme cost (enablement, certification, co-marketing) for every recruited partner
    of this type [currency per partner-month]."""
    tier_mix: TierMix = TierMix(registered=1.0)
    """Certification level of partners when recruited; default all registered
    [shares summing to 1]."""
    discounts: TierDiscounts = TierDiscounts()
    """Discount off list price by level x environment [shares of list price]."""


class Partners(Frozen):
    """Indirect channel: partners who are both customers and distributors."""

    types: Annotated[list[PartnerType], Field(max_length=8)] = Field(default_factory=list)
    """Partner programmes, at most 8 [-]."""
    certified_from_vms: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    """A registered partner becomes certified when its customers' VMs (its own included)
    reach this; never if unset [VMs]."""
    premium_from_vms: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    """A partner becomes premium when its customers' VMs reach this; never if unset [VMs]."""

    @field_validator("types")
    @classmethod
    def _unique_names(cls, types: list[PartnerType]) -> list[PartnerType]:
        names = [t.name for t in types]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"names must be unique, repeated: {', '.join(dupes)}")
        return types

    @model_validator(mode="after")
    def _consistent(self) -> Partners:
        low, high = self.certified_from_vms, self.premium_from_vms
        if low is not None and high is not None and high <= low:
            raise ValueError(
                f"premium_from_vms must be above certified_from_vms, got {high} <= {low}"
            )
        return self


class Channels(Frozen):
    """The three sales channels."""

    web: WebChannel = WebChannel()
    """Self-service web shop [-]."""
    direct_sales: DirectSales = DirectSales()
    """Direct sales force [-]."""
    partners: Partners = Partners()
    """Partner (indirect) channel [-]."""


class SlaMultipliers(Frozen):
    """Price multiplier of each SLA tier, relative to the list price."""

    sla_99_7: Multiplier = Field(1.0, alias="99.7")
    """Multiplier for 99.7 % [ratio]."""
    sla_99_9: Multiplier = Field(1.0, alias="99.9")
    """Multiplier for 99.9 % [ratio]."""
    sla_99_99: Multiplier = Field(1.0, alias="99.99")
    """Multiplier for 99.99 % [ratio]."""

    def as_tuple(self) -> tuple[float, float, float]:
        """Multipliers in the order of ``SLA_TIERS``."""
        return (self.sla_99_7, self.sla_99_9, self.sla_99_99)


class PriceCut(Frozen):
    """A one-off cut of the list price (matching a competitor on a date)."""

    date: Date
    """Day of the cut; it applies from the first month starting on or after it [date]."""
    cut: Annotated[float, Field(ge=SMALLEST, lt=1.0)]
    """Share of the list price removed [share 0-1]."""


class Pricing(Frozen):
    """List prices."""

    vm_hour_price: Annotated[float, Field(ge=SMALLEST, le=1000.0)]
    """List price of one VM for one hour at the 99.7 % tier [currency per VM-hour]."""
    sla_multipliers: SlaMultipliers = SlaMultipliers()
    """Price multiplier per SLA tier [ratio]."""
    annual_price_cut: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Yearly cut of the list price, compounded monthly from ``price_cut_start``
    [share per year]."""
    price_cut_start: Date | None = None
    """Day the list price is ``vm_hour_price`` and cuts start compounding from; default the
    run's start [date]."""
    price_cuts: Annotated[list[PriceCut], Field(max_length=1000)] = Field(default_factory=list)
    """Dated cuts on top of the annual cut, each a share of the list price then [-]."""
    competitor_vm_hour_price: Annotated[float, Field(ge=SMALLEST, le=1000.0)] | None = None
    """Reference competitor's list price at ``price_cut_start``, for price elasticity
    [currency per VM-hour]."""
    competitor_annual_price_cut: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Yearly cut of the competitor's list price, compounded monthly [share per year]."""
    price_elasticity: Annotated[float, Field(ge=0.0, le=10.0)] = 0.0
    """New arrivals are multiplied by (list price / competitor price) ^ -elasticity; 0 means
    price does not affect demand [ratio]."""


class Marketplace(Frozen):
    """ISV solutions sold on the provider's marketplace."""

    provider_share: Share = 0.30
    """Provider's share of the ISV's solution revenue [share 0-1]."""
    attach_rate: Share = 0.0
    """Share of new customers who buy an ISV solution (customers brought by ISV partners
    always do) [share 0-1]."""
    solution_revenue_per_customer_month: Money = 0.0
    """ISV solution revenue per buying customer [currency per customer-month]."""


class Reserved(Frozen):
    """Reserved capacity ("capexising" the cloud): an upfront fee per VM and term, then a lower
    hourly price billed on every reserved VM-hour, used or not."""

    term_months: Annotated[int, Field(ge=1, le=120)] = 12
    """Length of a reservation; reserving customers stay at least to the end of their
    current term, and renew while they stay [months]."""
    upfront_per_vm: Money = 0.0
    """Fee paid at the start of each term for each reserved VM [currency per VM-term]."""
    hourly_discount: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Reduction of the hourly price (list x SLA multiplier, less any partner discount) for
    reserved VMs [share of the hourly price]."""
