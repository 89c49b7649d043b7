"""A sweep's results on disk: a folder with ``manifest.json`` (what the sweep is) and a
Parquet dataset ``data/``, one file per finished batch of replications, each written to a
temporary name and renamed. Re-running the same sweep skips the batches already there, so
an interruption loses at most the batches in flight and no row is written twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from iaas_sim.experiments.executor import OptionError

MANIFEST = "manifest.json"
DATA = "data"


class SweepDataset:
    """The folder of one sweep."""

    def __init__(self, folder: Path, definition: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.definition = definition
        self.data = self.folder / DATA

    def open(self) -> None:
        """Create the folder and its manifest, or check that an existing manifest is for
        this very sweep (``OptionError`` on ``out`` otherwise: another folder is needed)."""
        from iaas_sim.util.files import atomic_write

        manifest = self.folder / MANIFEST
        if manifest.exists():
            try:
                found = json.loads(manifest.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise OptionError("out", f"{manifest} cannot be read ({exc})") from None
            if found.get("definition") != json.loads(json.dumps(self.definition)):
                raise OptionError(
                    "out",
                    f"{self.folder} holds another sweep (its manifest.json differs): "
                    "give another folder to start this one",
                )
        elif self.folder.exists() and any(self.folder.iterdir()):
            raise OptionError("out", f"{self.folder} is not empty and holds no sweep manifest")
        self.folder.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():  # first, so a folder with data always has its manifest
            text = json.dumps({"definition": self.definition}, indent=2)
            atomic_write(manifest, lambda p: Path(p).write_text(text))
        self.data.mkdir(exist_ok=True)
        for stale in self.data.glob(".*.tmp"):  # a batch being written when interrupted
            stale.unlink(missing_ok=True)

    def part(self, name: str) -> Path:
        return self.data / f"{name}.parquet"

    def done(self, name: str) -> bool:
        return self.part(name).exists()

    def write(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Write one finished batch (atomically)."""
        from iaas_sim.util.files import atomic_write

        frame = normalise(pd.DataFrame(rows))
        atomic_write(self.part(name), lambda p: frame.to_parquet(p, index=False))

    def read(self, names: list[str]) -> pd.DataFrame:
        """The rows of the batches ``names``, in that order."""
        frames = [pd.read_parquet(self.part(n)) for n in names]
        return normalise(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame()


TEXT_METRICS = ("breakeven_month", "payback_month")
"""Metrics that are months (text) or missing."""


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every part the same column types whatever its values (a batch where no
    replication pays back has only missing months): the month metrics as text, every other
    column holding numbers or missing values (the IRR) as floats."""
    out = frame.copy()
    for column in out.columns:
        if column in TEXT_METRICS:
            out[column] = out[column].astype("str")  # pandas' default text type
        elif out[column].dtype == object:
            numbers = pd.to_numeric(out[column], errors="coerce")
            if numbers.notna().sum() == out[column].notna().sum():
                out[column] = numbers.astype(float)
    return out


def read_sweep(folder: str | Path) -> pd.DataFrame:
    """A sweep's rows so far, from its ``data/`` folder (parts may differ in columns, e.g.
    when points change the run's length: the table has them all), in point order."""
    parts = sorted((Path(folder) / DATA).glob("part-*.parquet"))
    frames = [pd.read_parquet(p) for p in parts]
    return normalise(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame()
