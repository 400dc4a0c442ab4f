"""The package's import graph: featurizers/ does not depend on library/, no import-time cycles.

``library/`` builds featurizers from the names in library files, so it depends on
``featurizers/``; ``FrozenNetFeaturizer`` takes a source network by its interface, so
``featurizers/`` never imports ``library/`` (not even inside a function). ``library.hub`` and
``library.library`` use each other only inside functions: importing either first works.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_shotgun"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, module_level_only: bool) -> set[str]:
    """``sklearn_shotgun`` modules imported by ``path`` (``if TYPE_CHECKING:`` blocks left out)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and module_level_only:
                continue
            visit(ast.iter_child_nodes(node))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in MODULES and m != name}


def _graph(module_level_only: bool) -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        # A module's parent packages are imported before it by Python itself: such edges
        # (``from . import x`` inside a package) cannot form an import-time cycle.
        graph[name] = {m for m in _imports(path, module_level_only) if not name.startswith(m + ".")}
    return graph


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_parser_sees_known_imports():
    """The checks below are only as good as the parser: it must find real edges."""
    everywhere = _graph(module_level_only=False)
    top = _graph(module_level_only=True)
    assert "sklearn_shotgun.library.library" in top["sklearn_shotgun.library.build"]
    assert "sklearn_shotgun.featurizers" in everywhere["sklearn_shotgun.library.build"]
    assert "sklearn_shotgun.library.hub" in everywhere["sklearn_shotgun.library.library"]
    assert "sklearn_shotgun.library.hub" not in top["sklearn_shotgun.library.library"]


def test_featurizers_never_import_the_library():
    edges = [
        (a, b)
        for a, targets in _graph(module_level_only=False).items()
        for b in targets
        if _in(a, "sklearn_shotgun.featurizers") and _in(b, "sklearn_shotgun.library")
    ]
    assert not edges, f"featurizers/ imports library/: {edges}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def dfs(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                dfs(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            dfs(node, [])
    return cycles


def test_no_import_time_cycle():
    cycles = _cycles(_graph(module_level_only=True))
    assert not cycles, "import-time cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_hub_and_library_are_one_way_at_import_time():
    top = _graph(module_level_only=True)
    hub, library = "sklearn_shotgun.library.hub", "sklearn_shotgun.library.library"
    assert library not in _reachable(top, hub)
    assert hub not in _reachable(top, library)
    assert hub not in _reachable(top, "sklearn_shotgun.library")


@pytest.mark.parametrize(
    "order",
    [
        ("sklearn_shotgun.featurizers", "sklearn_shotgun.library"),
        ("sklearn_shotgun.library", "sklearn_shotgun.featurizers"),
        ("sklearn_shotgun.library.hub", "sklearn_shotgun.library.library"),
        ("sklearn_shotgun.library.library", "sklearn_shotgun.library.hub"),
        ("sklearn_shotgun.featurizers.frozen", "sklearn_shotgun.library.source_model"),
        ("sklearn_shotgun.library.source_model", "sklearn_shotgun.featurizers.frozen"),
        ("sklearn_shotgun.cli.library", "sklearn_shotgun.transfer_map"),
    ],
)
def test_import_in_either_order(order):
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)"
    proc = subprocess.run(
        [sys.executable, "-c", code, *order], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
