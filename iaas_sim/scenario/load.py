"""Loading a scenario from a TOML file or a dict. TOML only: files are data, never code."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iaas_sim.scenario.errors import Problem, ScenarioError
from iaas_sim.scenario.model import Scenario
from iaas_sim.scenario.overrides import validate_checked
from iaas_sim.scenario.validation import (
    MAX_DEPTH,
    MAX_KEY_CHARS,
    MAX_NODES,
    check_structure,
    scenario_to_dict,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_KEY_CHARS",
    "MAX_NODES",
    "check_structure",
    "load_scenario",
    "read_toml",
    "scenario_hash",
    "scenario_to_dict",
    "validate_scenario",
]

MAX_FILE_BYTES = 1_000_000
"""Scenario files are small (the shipped ones are under 20 kB); a bigger one is a mistake
(a data dump, a binary)."""


def load_scenario(source: str | Path | Mapping[str, Any] | Scenario) -> Scenario:
    """Load and validate a scenario from a TOML path or a dict; raises ``ScenarioError``."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return validate_scenario(dict(source))
    path = Path(source)
    return validate_scenario(read_toml(path), source=str(path))


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a ``ScenarioError`` naming the file."""
    name = str(path)
    if not path.is_file():
        raise ScenarioError(
            [Problem("", "no such file" if not path.exists() else "not a file")], name
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ScenarioError([Problem("", f"file is larger than {MAX_FILE_BYTES} bytes")], name)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = raw[exc.start : exc.end].hex()
        raise ScenarioError(
            [
                Problem(
                    f"line {line}, column {column}",
                    f"not UTF-8 text: byte 0x{bad} ({exc.reason}); save the file as UTF-8",
                    raw.splitlines()[line - 1].decode("utf-8", "backslashreplace").strip(),
                    True,
                )
            ],
            name,
        ) from None
    if not text.strip():
        raise ScenarioError([Problem("", "the file is empty")], name)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([_syntax_problem(exc, text)], name) from None
    except RecursionError:  # tomllib recurses into nested tables and arrays
        raise ScenarioError([_deep_problem(text)], name) from None
    except ValueError as exc:  # an integer of thousands of digits
        raise ScenarioError([_long_number_problem(str(exc), text)], name) from None


def _deep_problem(text: str) -> Problem:
    """The first line where tables and arrays nest more than ``MAX_DEPTH`` deep."""
    depth, number = 0, 1
    for number, line in enumerate(text.splitlines(), 1):  # noqa: B007 (used after the loop)
        deepest = depth
        for char in line:
            depth += (char in "{[") - (char in "}]")
            deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
    return _line_problem(text, number, f"tables and arrays nested more than {MAX_DEPTH} deep")


def _long_number_problem(message: str, text: str) -> Problem:
    found = re.search(r"\d{1000,}", text)
    number = text.count("\n", 0, found.start()) + 1 if found else 1
    return _line_problem(text, number, f"a number too long to read ({message.split(':')[0]})")


def _line_problem(text: str, number: int, message: str) -> Problem:
    """A problem of line ``number``, quoting it (cut at 80 characters)."""
    lines = text.splitlines()
    line = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    quoted = line if len(line) <= 80 else line[:77] + "..."
    return Problem(f"line {number}", message, quoted, True)


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str) -> Problem:
    """A TOML syntax error with the line it is on, quoted (the last line written when it
    is at the end of the document)."""
    lines = text.splitlines()
    what, found = _syntax_position(exc, text)
    if found:
        number, column = found
        where = f"line {number}, column {column}"
    else:
        written = [k for k, line in enumerate(lines, 1) if line.strip()]
        number = written[-1] if written else 1
        where = f"line {number} (the file ends inside it)"
    quoted = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return Problem(where, f"TOML syntax error: {what}", quoted, True)


def _syntax_position(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, tuple[int, int] | None]:
    """What a TOML syntax error says and its line and column (None at the end of the
    document). Python 3.14's decoder error carries them (``msg``, ``pos``, ``lineno``,
    ``colno``); up to 3.13 it has only its text, ``"<msg> (at line L, column C)"`` or
    ``"<msg> (at end of document)"``, which is read instead."""
    pos = getattr(exc, "pos", None)
    if isinstance(pos, int):
        located: Any = exc  # typed as Python 3.11's, which has no such attributes
        return str(located.msg), None if pos >= len(text) else (located.lineno, located.colno)
    message = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    what = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", message)
    return what, (int(found[1]), int(found[2])) if found else None


def validate_scenario(
    data: dict[str, Any],
    source: str | None = None,
    check_events: bool = True,
    check_uncertain: bool = True,
) -> Scenario:
    """Validate a plain dict (as parsed from TOML) into a frozen ``Scenario``; with
    ``check_events``, also apply every event to check it (``compute_timeline``); with
    ``check_uncertain``, check every uncertain input's range against its key."""
    return validate_checked(Scenario, data, source, check_events, check_uncertain)


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of everything in the scenario."""
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
