"""The package's import graph, read from its source with ``ast``: no module imports itself
through others, imports point down the layers of DESIGN.md, and simpy, pydantic,
matplotlib, typer and rich are imported only in their layer.

What counts as an import. For cycles: every import the interpreter runs, at the top of a
module or inside a function (a function-level import still closes the cycle, only later);
imports under ``if TYPE_CHECKING:`` are left out, since they never run. For the layers and
the libraries: every import, ``TYPE_CHECKING`` ones too, since naming a type is knowing the
module (import-linter counts them the same way). An import names the module it reads:
``from iaas_sim.scenario import load`` the module ``load``, ``from iaas_sim.scenario import
Scenario`` the package ``iaas_sim.scenario``; the parent packages Python runs first are not
counted (``scenario/__init__.py`` importing its own modules is not a cycle)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

LAYERS = ("cli", "analysis", "experiments", "engine", "core", "scenario", "util")
"""From the top down (DESIGN.md); ``util`` (the version, atomic writes) imports nothing of
ours, so it stands below everything."""

LIBRARIES = {
    "simpy": "engine",
    "pydantic": "scenario",
    "matplotlib": "analysis",
    "typer": "cli",
    "rich": "cli",
}
"""Third-party packages that one layer only may import."""


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    """A module of the package, or the top-level name of a third-party one."""
    line: int
    runtime: bool
    """False under ``if TYPE_CHECKING:``."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(package: Path) -> tuple[set[str], list[Import]]:
    """The modules of ``package`` (a folder) and every import in them."""
    files = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    imports: list[Import] = []
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node, runtime in _import_nodes(tree.body, runtime=True):
            for target in _targets(node, name, is_package, set(files)):
                imports.append(Import(name, target, node.lineno, runtime))
    return set(files), imports


def _import_nodes(
    body: Sequence[ast.AST], runtime: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement in ``body``, however deep (functions, classes, ``try``,
    ``with``, ``if``, ``match``), and whether it runs."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, runtime
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.body, runtime=False)
            yield from _import_nodes(node.orelse, runtime)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from _import_nodes(inner, runtime)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(
    node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: set[str]
) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield _resolve(alias.name, modules)
        return
    base = node.module or ""
    if node.level:  # relative: from the importer's package
        package = importer.split(".")
        package = package if is_package else package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        yield submodule if submodule in modules else _resolve(base, modules)


def _resolve(name: str, modules: set[str]) -> str:
    """The module of ours that ``name`` reads (the longest existing prefix), or the
    top-level name of a third-party package; "" for a module of ours that is not there."""
    parts = name.split(".")
    if parts[0] not in {m.split(".")[0] for m in modules}:
        return parts[0]
    for n in range(len(parts), 1, -1):
        if ".".join(parts[:n]) in modules:
            return ".".join(parts[:n])
    return parts[0] if len(parts) == 1 else ""


def strong_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module, or of one importing
    itself (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(components)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per strongly connected component."""
    return [_cycle_in(graph, set(c)) for c in strong_components(graph)]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """The shortest way from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph.get(v, set()) & component):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    following.append(w)
        frontier = following
    raise AssertionError(f"not a cycle: {sorted(component)}")


def layer_of(module: str) -> str:
    """The layer of a module of ours: the folder under ``iaas_sim``, with the command line's
    modules (``cli.py`` and ``cli_*.py`` at the root, or the ``cli`` package, and
    ``progress.py``) as ``cli``; "" for the package itself."""
    parts = module.split(".")
    if len(parts) == 1:
        return ""
    head = parts[1]
    if head == "cli" or head.startswith("cli_") or head == "progress":
        return "cli"
    return head


PACKAGE = ROOT / "iaas_sim"
MODULES, IMPORTS = read_imports(PACKAGE)
OURS = [i for i in IMPORTS if i.target in MODULES]


def _where(imp: Import) -> str:
    return f"{imp.importer} (line {imp.line}) imports {imp.target}"


def test_the_reader_counts_function_level_imports_and_skips_type_checking(
    tmp_path: Path,
) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pkg.a import f\n")
    (pkg / "a.py").write_text("def f():\n    from pkg import b\n    return b\n")
    (pkg / "b.py").write_text("from .c import C\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import f\n"
        "else:\n    import json\nclass C:\n    import pkg.a\n"
    )
    modules, imports = read_imports(pkg)
    assert modules == {"pkg", "pkg.a", "pkg.b", "pkg.c"}
    assert sorted((i.importer, i.target, i.line, i.runtime) for i in imports) == [
        ("pkg", "pkg.a", 1, True),
        ("pkg.a", "pkg.b", 2, True),
        ("pkg.b", "pkg.c", 1, True),
        ("pkg.c", "json", 5, True),
        ("pkg.c", "pkg.a", 3, False),
        ("pkg.c", "pkg.a", 7, True),
        ("pkg.c", "typing", 1, True),
    ]
    graph: dict[str, set[str]] = {}
    for i in imports:
        if i.runtime and i.target in modules:
            graph.setdefault(i.importer, set()).add(i.target)
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_the_graph_is_read_from_the_package() -> None:
    assert {"iaas_sim", "iaas_sim.scenario.model", "iaas_sim.engine.world"} <= MODULES
    edges = {(i.importer, i.target) for i in OURS}
    assert ("iaas_sim.scenario.load", "iaas_sim.scenario.model") in edges
    assert any(i.target == "simpy" for i in IMPORTS)


def test_no_module_imports_itself_through_others() -> None:
    graph: dict[str, set[str]] = {}
    for i in OURS:
        if i.runtime:
            graph.setdefault(i.importer, set()).add(i.target)
    cycles = [
        f"{', '.join(component)} import one another, e.g. {' -> '.join(cycle)}"
        for component, cycle in zip(strong_components(graph), find_cycles(graph), strict=True)
    ]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_every_module_is_in_a_layer() -> None:
    unplaced = sorted(m for m in MODULES if m != "iaas_sim" and layer_of(m) not in LAYERS)
    assert unplaced == [], f"modules in no layer of DESIGN.md: {unplaced}"


def test_imports_point_down_the_layers() -> None:
    rank = {layer: k for k, layer in enumerate(LAYERS)}
    rank[""] = -1  # the package itself, its lazy front door: nothing inside imports it
    upward = [
        f"{_where(i)} ({layer_of(i.importer)} -> {layer_of(i.target) or 'iaas_sim'})"
        for i in OURS
        if layer_of(i.importer) in rank
        and layer_of(i.target) in rank
        and rank[layer_of(i.target)] < rank[layer_of(i.importer)]
    ]
    assert upward == [], "imports that point up the layers:\n" + "\n".join(upward)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_a_library_is_imported_only_in_its_layer(library: str) -> None:
    found = [_where(i) for i in IMPORTS if i.target == library]
    assert found, f"nothing imports {library}: drop it from LIBRARIES"
    outside = [
        _where(i)
        for i in IMPORTS
        if i.target == library and layer_of(i.importer) != LIBRARIES[library]
    ]
    assert outside == [], f"{library} outside {LIBRARIES[library]}/:\n" + "\n".join(outside)
