"""``Result``: the monthly table, the metrics and where they came from; saving and loading."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iaas_sim.util.files import atomic_write

MONTHLY_CSV = "monthly.csv"
MONTHLY_PARQUET = "monthly.parquet"
METRICS_JSON = "metrics.json"


@dataclass(frozen=True)
class Result:
    """One simulated replication."""

    monthly: pd.DataFrame
    """One row per calendar month (``PeriodIndex``, freq ``M``)."""
    metrics: dict[str, Any]
    """Scalar metrics (``npv``, ``payback_month``, …)."""
    metadata: dict[str, Any]
    """Package version, scenario name and hash, seed, currency."""

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write ``monthly.csv``, ``monthly.parquet`` and ``metrics.json`` to ``out_dir``, each
        through a temporary file renamed into place (never half-written)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        table = self.monthly.copy()
        table.index = table.index.astype(str)
        arrow = pa.Table.from_pandas(table, preserve_index=True)
        arrow = arrow.replace_schema_metadata(
            {
                **(arrow.schema.metadata or {}),
                b"iaas_sim": json.dumps(self.metadata, sort_keys=True).encode(),
            }
        )
        document = {"metadata": self.metadata, "metrics": _json_safe(self.metrics)}
        return [
            atomic_write(out / MONTHLY_CSV, lambda p: table.to_csv(p, lineterminator="\n")),
            atomic_write(out / MONTHLY_PARQUET, lambda p: pq.write_table(arrow, p)),
            atomic_write(
                out / METRICS_JSON,
                lambda p: Path(p).write_text(
                    json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n"
                ),
            ),
        ]


def load_result(out_dir: str | Path) -> Result:
    """Read a result written by ``Result.save``."""
    out = Path(out_dir)
    monthly = pq.read_table(out / MONTHLY_PARQUET).to_pandas()
    monthly.index = pd.PeriodIndex(monthly.index, freq="M", name="month")
    document = json.loads((out / METRICS_JSON).read_text())
    return Result(monthly, document["metrics"], document["metadata"])


def _json_safe(value: Any) -> Any:
    """NaN and infinities become ``null`` (JSON has no such numbers)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
