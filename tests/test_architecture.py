"""The layout's rules (docs/architecture.md), read from the source: imports form no cycle, and
dependencies between the two apps run one way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("connector_portal", "integrations", "mappings")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The project modules `path` imports anywhere in it (function-local imports included)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")
                parent = parent if is_package else parent[:-1]
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:  # `from a.b import c`: module a.b.c, or a.b
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    return {module: _imports(path, module, known) for module, path in sources.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _parents_and_children_removed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's `__init__` re-exporting its own modules is not a cycle with them."""
    return {
        module: {dep for dep in deps if not dep.startswith(module + ".")}
        for module, deps in graph.items()
    }


def test_no_module_imports_itself_through_others():
    assert _cycles(_parents_and_children_removed(_graph())) == []


def test_mappings_never_calls_into_integrations_only_its_data_model():
    """integrations (the engine, the API, the pages, the admin) calls mappings; mappings uses
    only integrations' models (the tables it refers to, the log and the audit trail)."""
    wrong = {
        (module, dep)
        for module, deps in _graph().items()
        if module.startswith("mappings")
        for dep in deps
        if dep.startswith("integrations") and not dep.startswith("integrations.models")
    }
    assert wrong == set()


def test_the_graph_reads_what_the_code_imports():
    graph = _graph()
    assert "integrations.sync.inbound.plan" in graph["integrations.sync.inbound.ingest"]
    assert "integrations.db.ingest" in graph["integrations.sync.inbound.write"]
    assert "mappings.services.hooks" in graph["integrations.apps"]  # inside ready()


def test_a_cycle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
