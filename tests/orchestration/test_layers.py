"""Dependencies point one way (DESIGN.md §3): the plain-Python packages never import the Dagster layer,
`mappings` never imports `targets`, no two packages import each other at module level, and the Dagster
layer names no target — it reaches targets through `targets.registry` and the target interface only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(
    p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name not in {"tests", "bench", "deploy"}
)
PLAIN = {"sources", "mappings", "checks", "targets", "store", "customers"}


def _module_level_imports(path: Path) -> set[str]:
    """Modules imported when the file is imported: top-level statements, not `if TYPE_CHECKING:` blocks
    nor imports inside functions (those resolve lazily, e.g. customers → targets.registry)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _package_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        targets = set()
        for path in (ROOT / package).rglob("*.py"):
            targets |= {m.split(".")[0] for m in _module_level_imports(path)}
        graph[package] = {t for t in targets if t in PACKAGES and t != package}
    return graph


def _modules_of(package: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): _module_level_imports(p) for p in (ROOT / package).rglob("*.py") if p.is_file()}


def test_plain_packages_never_import_the_dagster_layer() -> None:
    graph = _package_imports()
    for package in PLAIN & set(graph):
        assert "migration_assets" not in graph[package], package
    assert "targets" not in graph["mappings"]
    assert graph.get("emulators", set()) <= set(), graph.get("emulators")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_graph() -> dict[str, set[str]]:
    """Project module → project modules it imports at module level (`from a import b` counts a.b when b is
    a module, else a)."""
    files = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in files}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module in files:
                subs = {f"{node.module}.{a.name}" for a in node.names} & set(files)
                edges |= subs or {node.module}
                if subs != {f"{node.module}.{a.name}" for a in node.names}:
                    edges.add(node.module)
        graph[name] = edges - {name}
    return graph


def test_no_module_import_cycles() -> None:
    graph = _module_graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"module import cycles: {cycles[:5]}"


@pytest.mark.parametrize("package", ["migration_assets"])
def test_the_dagster_layer_names_no_target(package: str) -> None:
    for module, imports in _modules_of(package).items():
        named = {m for m in imports if m.startswith(("targets.dynamics", "targets.gensolve"))}
        assert not named, f"{module} imports {sorted(named)}: reach a target through targets.registry"
        source = (ROOT / module).read_text(encoding="utf-8")
        for literal in ('"dynamics365"', '"gensolve"', '"dynamics"', "'dynamics'"):
            assert literal not in source, f"{module} names a target ({literal})"


def test_sources_import_no_target_but_gensolve_its_own_schema() -> None:
    """A source reads a delivery; it needs nothing of a target. The one exception is sources/gensolve, which
    reads Gensolve's import schema (targets/gensolve, one schema for both hops); progress lines live in
    store/progress.py, which every layer may import."""
    for module, imports in _modules_of("sources").items():
        named = sorted(m for m in imports if m.split(".")[0] == "targets")
        if module.startswith("sources/gensolve/"):
            named = [m for m in named if not m.startswith("targets.gensolve.")]
        assert not named, f"{module} imports {named}"


def test_store_imports_no_other_project_package() -> None:
    """store/ is what every layer may import (storage, file roots, location notes, progress lines): it imports
    none of them, so no layer reaches another through it."""
    assert _package_imports()["store"] == set()


def _private_names_imported(path: Path) -> list[tuple[str, str]]:
    """(module, name) for each underscore name `path` imports by `from module import _name`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_one_source_system_imports_no_private_helper_of_another() -> None:
    """What two source systems share lives under a public name in a neutral module of sources/ (e.g.
    sources/snapshot_files.py), not as one system's private helper another reaches into."""
    for path in (ROOT / "sources").rglob("*.py"):
        own = ".".join(path.relative_to(ROOT).parts[:2])  # sources.<system> (or sources.<module>.py)
        for module, name in _private_names_imported(path):
            if module.startswith("sources.") and not module.startswith(own.removesuffix(".py")):
                raise AssertionError(f"{path.relative_to(ROOT)} imports {name} from {module}")
