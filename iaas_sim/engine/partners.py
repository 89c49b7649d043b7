"""The partner book: every recruited partner, its type, certification tier, when it became
(or becomes) active, and the VMs of its customers (struct of arrays)."""

from __future__ import annotations

import numpy as np


class PartnerBook:
    """Growable arrays of partners."""

    def __init__(self) -> None:
        self.ptype = np.zeros(0, dtype=np.int64)
        self.tier = np.zeros(0, dtype=np.int64)
        self.active_at = np.zeros(0)
        """Hour the partner starts selling; ``inf`` for those who never do."""

    def __len__(self) -> int:
        return len(self.ptype)

    def recruit(self, ptype: int, tiers: np.ndarray, active_at: np.ndarray) -> np.ndarray:
        """Add partners of one type; returns their ids."""
        ids = np.arange(len(self), len(self) + len(tiers))
        self.ptype = np.concatenate([self.ptype, np.full(len(tiers), ptype)])
        self.tier = np.concatenate([self.tier, tiers.astype(np.int64)])
        self.active_at = np.concatenate([self.active_at, active_at])
        return ids

    def active_by_type(self, now: float, n_types: int) -> np.ndarray:
        """Active partners of each type at hour ``now``."""
        return np.bincount(self.ptype[self.active_at <= now], minlength=n_types)

    def recruited_by_type(self, n_types: int) -> np.ndarray:
        return np.bincount(self.ptype, minlength=n_types)

    def sample(self, ptypes: np.ndarray, now: float, rng: np.random.Generator) -> np.ndarray:
        """For each requested type, a partner of that type active at ``now``, uniformly."""
        ids = np.empty(len(ptypes), dtype=np.int64)
        active = self.active_at <= now
        for k in np.unique(ptypes):
            pool = np.flatnonzero(active & (self.ptype == k))
            rows = np.flatnonzero(ptypes == k)
            ids[rows] = pool[rng.integers(0, len(pool), size=len(rows))]
        return ids
