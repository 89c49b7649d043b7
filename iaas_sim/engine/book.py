"""The customer book: one entry per customer ever admitted, as a struct of arrays that grows
by amortised appends (no Python object per customer)."""

from __future__ import annotations

import numpy as np

from iaas_sim.core.pooling import Book

FIELDS: dict[str, type] = {
    "segment": np.int64,
    "channel": np.int64,
    "sla": np.int64,
    "partner_tier": np.int64,
    "partner": np.int64,
    "ptype": np.int64,
    "profile": np.int64,
    "vms": np.float64,
    "klass": np.int64,
    "state": np.float64,
    "held": np.int64,
    "start": np.int64,
    "end": np.int64,
    "attached": np.bool_,
    "reserved": np.bool_,
    "group": np.int64,
}


class CustomerBook:
    """Growable arrays of customers; ``n`` entries are valid."""

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._cols: dict[str, np.ndarray] = {
            name: np.zeros(capacity, dtype=dtype) for name, dtype in FIELDS.items()
        }

    def __len__(self) -> int:
        return self.n

    def col(self, name: str) -> np.ndarray:
        """The valid part of one column (a view)."""
        return self._cols[name][: self.n]

    def append(self, batch: dict[str, np.ndarray]) -> None:
        """Add customers; ``batch`` has one equal-length array per field."""
        k = len(batch["vms"])
        if k == 0:
            return
        if set(batch) != set(FIELDS):
            raise ValueError(f"batch fields {sorted(batch)} != {sorted(FIELDS)}")
        need = self.n + k
        size = len(self._cols["vms"])
        if need > size:
            new_size = max(need, 2 * size)
            for name, col in self._cols.items():
                grown = np.zeros(new_size, dtype=col.dtype)
                grown[: self.n] = col[: self.n]
                self._cols[name] = grown
        for name, col in self._cols.items():
            col[self.n : need] = batch[name]
        self.n = need

    def active_between(self, t0: int, t1: int) -> np.ndarray:
        """Indices of customers active at some hour of ``[t0, t1)``."""
        return np.flatnonzero((self.col("start") < t1) & (self.col("end") > t0))

    def view(self, idx: np.ndarray) -> Book:
        """The pooling core's view of the customers ``idx``."""
        c = self._cols
        return Book(
            c["vms"][idx],
            c["klass"][idx],
            c["state"][idx],
            c["held"][idx],
            c["start"][idx],
            c["end"][idx],
            c["group"][idx],
        )

    def set_state(self, idx: np.ndarray, state: np.ndarray, held: np.ndarray | None) -> None:
        """After pooling the customers ``idx``: their own states, and the cohorts holding
        their fluctuations (None: none, each holds its own)."""
        self._cols["state"][idx] = state
        self._cols["held"][idx] = -1 if held is None else held

    def set_col(self, name: str, idx: np.ndarray, values: np.ndarray) -> None:
        """Change one column of the customers ``idx``."""
        self._cols[name][idx] = values
