"""Named random streams: seed -> SeedSequence -> one fixed child per purpose. Names are
append-only, so adding a stream never changes the numbers of the existing ones."""

from __future__ import annotations

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "arrivals",
    "sizes",
    "usage",
    "churn",
    "partners",
    "sales",
    "sla",
    "marketplace",
    "partner_reach",
    "partner_tier",
    "outages",
    "reservations",
    "common_shock",
    "inputs",
)


def make_streams(seed: int | np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One independent generator per name in ``STREAM_NAMES``."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return {
        name: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i)))
        )
        for i, name in enumerate(STREAM_NAMES)
    }


def make_stream(seed: int | np.random.SeedSequence, name: str) -> np.random.Generator:
    """The one stream ``name`` of ``make_streams(seed)``, alone."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    i = STREAM_NAMES.index(name)
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i)))
    )
