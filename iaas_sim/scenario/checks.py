"""Warnings about valid scenarios that probably do not say what their author meant."""

from __future__ import annotations

from iaas_sim.scenario.model import Scenario
from iaas_sim.scenario.types import MAX_PRICE_RESPONSE, Step


def _ever_positive(schedule: float | list[Step]) -> bool:
    if isinstance(schedule, list):
        return any(step.value > 0 for step in schedule)
    return schedule > 0


def check_scenario(scenario: Scenario) -> list[str]:
    """Plain-language warnings (each naming its key); an empty list when nothing looks off."""
    warnings = []
    has_partners = any(
        t.customers_per_active_partner_per_month > 0
        and (
            t.initial_partners > 0 or (_ever_positive(t.recruited_per_month) and t.share_active > 0)
        )
        for t in scenario.channels.partners.types
    )
    has_reps = _ever_positive(scenario.channels.direct_sales.reps)
    for i, seg in enumerate(scenario.segments):
        where = f"segments[{i}]"
        if seg.channel_mix.partners > 0 and not has_partners:
            warnings.append(
                f"{where}.channel_mix.partners is {seg.channel_mix.partners} but "
                "no partner ever becomes active: those customers are all missed"
            )
        if seg.channel_mix.direct_sales > 0 and not has_reps:
            warnings.append(
                f"{where}.channel_mix.direct_sales is "
                f"{seg.channel_mix.direct_sales} but channels.direct_sales.reps is "
                "never above 0: those leads are all missed"
            )
        if (
            seg.initial_customers
            and seg.channel_mix.partners > 0
            and not any(
                t.initial_partners and t.customers_per_active_partner_per_month > 0
                for t in scenario.channels.partners.types
            )
        ):
            warnings.append(
                f"{where}.initial_customers: those of the partner channel need an active "
                "partner with some reach at the start (initial_partners and "
                "customers_per_active_partner_per_month): without one they are missed"
            )
        if seg.adoption_start is not None and seg.adoption_start < scenario.run.start:
            warnings.append(
                f"{where}.adoption_start {seg.adoption_start} is before the run's "
                "start: customers who adopted earlier are not in the book unless "
                "given as initial_customers"
            )
    pricing = scenario.pricing
    if pricing.competitor_vm_hour_price and pricing.price_elasticity > 0:
        ratio = pricing.vm_hour_price / pricing.competitor_vm_hour_price
        if ratio ** (-pricing.price_elasticity) > MAX_PRICE_RESPONSE:
            warnings.append(
                f"pricing.price_elasticity: a list price {ratio:.3g} times the competitor's "
                f"would multiply arrivals by {ratio ** (-pricing.price_elasticity):.3g}; the "
                "response is capped at 10 times"
            )
    return warnings
