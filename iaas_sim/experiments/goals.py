"""Goals: conditions on a replication's metrics or monthly table whose probability a Monte
Carlo run estimates, written as text:

    npv >= 0
    revenue_2017 >= 500e6
    payback_month <= 2020-12
    cumulative_cash >= 0 at 2020-12        the month's value
    cumulative_free_cash_flow >= 0 by 2020-12
                                           in some month up to and including 2020-12

A missing value (no payback, say) fails every condition."""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from iaas_sim.experiments.executor import OptionError

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_GOAL = re.compile(
    r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op>>=|<=|==|>|<)\s*"
    r"(?P<value>\d{4}-\d{2}|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)"
    r"(\s+(?P<when>at|by)\s+(?P<month>\d{4}-\d{2}))?\s*$"
)


@dataclass(frozen=True)
class Goal:
    """A parsed goal."""

    text: str
    name: str
    op: str
    value: float | str
    """A number, or a month ``YYYY-MM`` for month metrics such as ``payback_month``."""
    when: str | None
    """``at`` or ``by`` a month (monthly columns), or None (metrics)."""
    month: str | None

    @property
    def monthly(self) -> bool:
        return self.when is not None


def parse_goal(text: str) -> Goal:
    """``"revenue_2017 >= 500e6"`` -> a ``Goal``; ``ValueError`` explaining the form."""
    m = _GOAL.match(text)
    if m is None:
        raise ValueError(
            f"cannot read goal {text!r}: write NAME OP VALUE, optionally followed by "
            "'at YYYY-MM' or 'by YYYY-MM' for a monthly column, with OP one of >= <= > < =="
        )
    raw = m["value"]
    value: float | str = raw if re.fullmatch(r"\d{4}-\d{2}", raw) else float(raw)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"goal {text!r}: {raw} is not a finite number")
    if m["when"] and isinstance(value, str):
        raise ValueError(f"goal {text!r}: a monthly column is compared with a number")
    for month in (value if isinstance(value, str) else None, m["month"]):
        if month is not None:
            try:
                pd.Period(month, freq="M")
            except ValueError:
                raise ValueError(f"goal {text!r}: {month} is not a month") from None
    return Goal(text.strip(), m["name"], m["op"], value, m["when"], m["month"])


def check_goals(
    goals: Sequence[Goal],
    metrics: Sequence[str],
    monthly: Sequence[str],
    months: pd.PeriodIndex | None = None,
    sample: Mapping[str, Any] | None = None,
) -> None:
    """``OptionError`` (on ``goals``) for a goal on a metric or monthly column that does not
    exist, a month outside the run, or a month compared with a number (or the reverse);
    ``sample`` is one replication's metrics, to tell month metrics from numbers."""
    for goal in goals:
        if goal.monthly and months is not None:
            month = pd.Period(goal.month, freq="M")
            if not months[0] <= month <= months[-1]:
                raise OptionError(
                    "goals",
                    f"goal {goal.text!r}: {goal.month} is outside the run "
                    f"({months[0]} to {months[-1]})",
                )
        if not goal.monthly and sample is not None and goal.name in sample:
            is_month = goal.name.endswith("_month")
            if is_month != isinstance(goal.value, str):
                want = "a month YYYY-MM" if is_month else "a number"
                raise OptionError(
                    "goals", f"goal {goal.text!r}: {goal.name} is compared with {want}"
                )
        names = monthly if goal.monthly else metrics
        if goal.name not in names:
            kind = "monthly column" if goal.monthly else "metric"
            close = difflib.get_close_matches(goal.name, list(names), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise OptionError("goals", f"goal {goal.text!r}: no {kind} named {goal.name!r}{hint}")


def evaluate_goal(
    goal: Goal,
    metrics: pd.DataFrame,
    series: Sequence[dict[str, np.ndarray]],
    months: pd.PeriodIndex,
) -> np.ndarray:
    """Per replication, whether the goal is met (missing values fail)."""
    compare = _OPS[goal.op]
    if not goal.monthly:
        if goal.name not in metrics.columns:
            raise ValueError(f"goal {goal.text!r}: no metric named {goal.name!r}")
        column = metrics[goal.name]
        if isinstance(goal.value, str):
            values = column.astype(object)
            return np.array([isinstance(v, str) and bool(compare(v, goal.value)) for v in values])
        numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return np.asarray(compare(numbers, goal.value) & np.isfinite(numbers))
    if not series or goal.name not in series[0]:
        raise ValueError(f"goal {goal.text!r}: no monthly column named {goal.name!r} kept")
    month = pd.Period(goal.month, freq="M")
    if not months[0] <= month <= months[-1]:
        raise ValueError(
            f"goal {goal.text!r}: {goal.month} is outside the run ({months[0]} to {months[-1]})"
        )
    k = int(np.flatnonzero(months == month)[0])
    stack = np.stack([s[goal.name] for s in series])
    with np.errstate(invalid="ignore"):
        if goal.when == "at":
            return np.asarray(compare(stack[:, k], goal.value))
        return np.asarray(compare(stack[:, : k + 1], goal.value).any(axis=1))


def summarise_goals(
    goals: Sequence[Goal],
    metrics: pd.DataFrame,
    series: Sequence[dict[str, np.ndarray]],
    months: pd.PeriodIndex,
) -> pd.DataFrame:
    """One row per goal: its probability, the standard error of that estimate, and the
    number of replications."""
    rows = []
    for goal in goals:
        hit = evaluate_goal(goal, metrics, series, months)
        n = len(hit)
        p = float(hit.mean()) if n else float("nan")
        rows.append(
            {
                "goal": goal.text,
                "probability": p,
                "standard_error": float(np.sqrt(p * (1 - p) / n)) if n else float("nan"),
                "replications": n,
            }
        )
    return pd.DataFrame(rows, columns=["goal", "probability", "standard_error", "replications"])
