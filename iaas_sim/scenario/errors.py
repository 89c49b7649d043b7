"""``ScenarioError``: every problem of a scenario, each naming its key path and value."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError

_TAGS = {
    "fixed",
    "geometric",
    "lognormal",
    "discrete",
    "steps",
    "constant",
    "uniform",
    "triangular",
    "normal",
    "beta",
}
"""Tags of discriminated unions, which pydantic puts in error locations."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario."""

    path: str
    message: str
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        got = f" (got {_short(self.value)})" if self.has_value else ""
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}{got}"


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        super().__init__(self._text())

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem], str | None]]:
        """Rebuilt from its problems when it comes back from a worker process."""
        return (ScenarioError, (self.problems, self.source))

    def _text(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.source:
            lines = [f"{self.source}: {line}" for line in lines]
        return "\n".join(lines)


def _short(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else repr(_plain(value))
    return text if len(text) <= 80 else text[:77] + "..."


def _plain(value: Any) -> Any:
    """Dates inside tables and lists shown as ``'2024-05-01'``, not ``datetime.date(...)``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def format_path(loc: tuple[int | str, ...]) -> str:
    """``("segments", 1, "churn_per_month")`` -> ``segments[1].churn_per_month``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "." in part:
            out += f'."{part}"' if out else f'"{part}"'
        else:
            out += f".{part}" if out else part
    return out


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the union-member labels pydantic inserts (``float``, ``list[Step]``, tags)."""
    kept: list[int | str] = []
    after_tag = False  # a field named like a tag (a beta's ``beta``) follows the tag
    for part in loc:
        if isinstance(part, str) and _is_union_label(part):
            continue
        if isinstance(part, str) and part in _TAGS and not after_tag:
            after_tag = True
            continue
        after_tag = False
        kept.append(part)
    return tuple(kept)


def _is_union_label(part: str) -> bool:
    return part in {"float", "int", "str", "bool", "none"} or any(
        part.startswith(prefix) for prefix in ("list[", "constrained-", "function-", "nullable[")
    )


def _message(err: Any, allowed: list[str]) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, [a for a in allowed if a != key], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        sign = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()))
        large_or_small = isinstance(bound, float) and not 1e-3 <= abs(bound) < 1e5 and bound != 0
        shown = f"{bound:g}" if large_or_small else bound
        return f"must be {sign} {shown}"
    if kind in {"too_long", "too_short"}:
        most = "most" if kind == "too_long" else "least"
        count = ctx.get("actual_length")
        unit = "item" if ctx.get("field_type") == "List" else "entry"
        bound = ctx.get("max_length" if kind == "too_long" else "min_length")
        return f"must have at {most} {bound} {unit}{'s' if bound != 1 else ''}, got {count}"
    if kind == "finite_number":
        return "must be a finite number (not NaN or infinity)"
    if kind in {"float_type", "float_parsing"}:
        return "must be a number"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "must be a whole number"
    if kind == "string_type":
        return "must be text"
    if kind == "bool_type":
        return "must be true or false"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"]).removeprefix("Value error, ")


def _models_in(annotation: Any) -> list[Any]:
    """Every pydantic model inside an annotation (unions, lists, Annotated)."""
    found, stack = [], [annotation]
    while stack:
        t = stack.pop()
        if hasattr(t, "model_fields"):
            found.append(t)
        stack.extend(get_args(t))
    return found


def _allowed_keys(model: Any, loc: tuple[int | str, ...]) -> list[str]:
    """Keys accepted at ``loc[:-1]`` of ``model``, for 'did you mean' hints."""
    current = [model]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = [m.model_fields[part] for m in current if part in m.model_fields]
        current = [m for f in fields for m in _models_in(f.annotation)]
        if not current:
            return []
    return sorted({f.alias or name for m in current for name, f in m.model_fields.items()})


def from_validation_error(
    exc: ValidationError, model: Any, source: str | None = None
) -> ScenarioError:
    """Turn pydantic's errors into problems named by key path."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for err in exc.errors():
        loc = _clean_loc(tuple(err["loc"]))
        text = _message(err, _allowed_keys(model, loc))
        value = err.get("input")
        # A whole table's own check (a model validator) names its values in its message.
        whole = err["type"] == "value_error" and isinstance(value, dict)
        show = err["type"] != "missing" and not whole
        problem = Problem(format_path(loc), text, value, show)
        if str(problem) not in seen:
            seen.add(str(problem))
            problems.append(problem)
    return ScenarioError(problems, source)
