"""The grammar of dotted paths (``segments[0].sla_mix."99.9"``) and how they read and write
nested plain data: parsing, getting, setting, one canonical spelling, flattening tables of
changes. Plain data only: nothing here knows the scenario's schema."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r'"([^"]*)"|\[(\d+)\]|([^.\[\]"]+)')

MAX_PATH_CHARS = 500
MAX_PATH_PARTS = 32
"""The longest dotted path read: a scenario's deepest key has fewer than ten parts."""


class PathError(ValueError):
    """A dotted path that cannot be read; ``str`` is the message a problem shows."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__("cannot read this path")


def parse_path(path: str) -> list[str | int]:
    """``segments[0].sla_mix."99.9"`` -> ``["segments", 0, "sla_mix", "99.9"]``; a path
    that is empty, malformed or longer than any key raises ``PathError``."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH_CHARS:
        raise PathError(str(path))
    tokens: list[str | int] = []
    end = 0
    for match in _TOKEN.finditer(path):
        gap = path[end : match.start()]
        index = match.group(2)
        if gap not in ("", ".") or (gap == "" and end > 0 and not index) or (end == 0 and gap):
            raise PathError(path)
        end = match.end()
        quoted, bare = match.group(1), match.group(3)
        tokens.append(int(index) if index else (quoted if quoted is not None else bare))
        if len(tokens) > MAX_PATH_PARTS:
            raise PathError(path)
    if end != len(path) or not tokens or any(t == "" for t in tokens):
        raise PathError(path)
    return tokens


def _step(node: Any, tokens: list[str | int], i: int) -> tuple[Any, int]:
    """The key (or index) at ``tokens[i]`` in ``node`` and how many tokens it used."""
    token = tokens[i]
    if isinstance(node, list):
        if isinstance(token, int) or token.isdigit():
            index = int(token)
            if not 0 <= index < len(node):
                raise KeyError(f"index {index} is out of range (there are {len(node)})")
            return index, 1
        for k, item in enumerate(node):
            if isinstance(item, dict) and token in (item.get("name"), item.get("role")):
                return k, 1
        raise KeyError(f"no item named '{token}'")
    if isinstance(node, dict):
        # Keys such as "99.9" contain dots: join following tokens until one matches.
        for used in range(1, min(len(tokens) - i, 4) + 1):
            key = ".".join(str(t) for t in tokens[i : i + used])
            if key in node:
                return key, used
        close = difflib.get_close_matches(str(token), [str(k) for k in node], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise KeyError(f"unknown key{hint}")
    raise KeyError(f"'{token}' goes inside a value that has no keys")


FREE_TABLES = {("uncertain",)}
"""Tables whose keys are the user's (dotted paths), so an override may add new ones."""


def set_path(data: dict[str, Any], path: str, value: Any, created: set[int] | None = None) -> None:
    """Replace the value at ``path`` in nested plain data (in place). An optional table not
    written yet (``None``) is created, and its id added to ``created``: tables in
    ``created`` take any key (validation then judges them)."""
    created = set() if created is None else created
    tokens = parse_path(path)
    node: Any = data
    i = 0
    while True:
        if id(node) in created or (tuple(tokens[:i]) in FREE_TABLES and isinstance(node, dict)):
            key, used = str(tokens[i]), 1
        else:
            key, used = _step(node, tokens, i)
        i += used
        if i >= len(tokens):
            node[key] = value
            return
        if isinstance(node, dict) and node.get(key) is None:
            node[key] = {}
            created.add(id(node[key]))
        node = node[key]


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in nested plain data (``None`` for an optional key not set);
    ``KeyError`` naming what is wrong when the path leads nowhere."""
    tokens = parse_path(path)
    node: Any = data
    i = 0
    while i < len(tokens):
        if node is None:
            raise KeyError(f"'{tokens[i]}' goes inside a value that is not set")
        key, used = _step(node, tokens, i)
        node = node[key]
        i += used
    return node


def canonical_path(data: Any, path: str) -> str:
    """One spelling per key: list items by position, keys with dots quoted
    (``segments.smb.churn_per_month`` -> ``segments[1].churn_per_month``)."""
    tokens = parse_path(path)
    node: Any = data
    out = ""
    i = 0
    while i < len(tokens):
        key, used = _step(node, tokens, i)
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out = join_path(out, key) if out else (f'"{key}"' if "." in key else key)
        node = node[key]
        i += used
    return out


def join_path(path: str, key: str) -> str:
    """``path`` + ``.key`` (quoted when the key holds a dot, like ``"99.9"``)."""
    return f'{path}."{key}"' if "." in key else f"{path}.{key}"


def flatten_changes(changes: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaf values. Tables are merged key by key (what a table does not name
    keeps its value); a distribution table (one with ``dist``) and lists replace as a
    whole."""
    flat: dict[str, Any] = {}
    for key, value in changes.items():
        path = join_path(prefix, key) if prefix else key
        if isinstance(value, Mapping) and "dist" not in value:
            flat.update(flatten_changes(value, path))  # an empty table changes nothing
        else:
            flat[path] = value
    return flat
