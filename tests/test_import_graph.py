"""The import graph of the repository: no cycles, imports at the top.

Every `import` and `from ... import` in apps/, shared/, bench/ and scripts/
is an edge, at module level or inside a function (a function-level import
is a cycle all the same, only hidden until the function runs).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("apps", "shared", "bench", "scripts")


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def repo_modules():
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ".venv" not in path.parts:
                modules[module_name(path)] = path
    return modules


def imported_names(tree, name, is_package):
    """(imported module name, line, at module level) of every import in a tree."""
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno, id(node) in top_level
                yield base, node.lineno, id(node) in top_level


def import_graph():
    """{module: {imported repo module: line}} over the repository's packages."""
    modules = repo_modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges = {}
        for target, line, _ in imported_names(tree, name, path.name == "__init__.py"):
            if target in modules and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def drop_parent_packages(graph):
    """`from apps.x import y` names the package apps.x and the module apps.x.y:
    keep only the most specific module of each import."""
    for edges in graph.values():
        for target in list(edges):
            if any(other.startswith(target + ".") for other in edges):
                del edges[target]
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm: the components with more than one module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def describe(component, graph):
    lines = []
    for module in component:
        for target, line in graph[module].items():
            if target in component:
                lines.append(f"  {module}:{line} imports {target}")
    return "\n".join(lines)


def test_the_graph_finds_a_planted_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b": 1}, "b": {}}) == []


def test_relative_and_from_imports_resolve_to_modules():
    tree = ast.parse("from . import data\nfrom .model import build\nimport shared.cli\n")
    names = {target for target, _, _ in imported_names(tree, "apps.x.app", False)}
    assert {"apps.x.data", "apps.x.model", "apps.x.model.build", "shared.cli"} <= names


def test_no_import_cycles_in_the_repository():
    graph = drop_parent_packages(import_graph())
    assert len(graph) > 100  # the walk found the code
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles:\n" + "\n\n".join(describe(c, graph) for c in cycles)


def test_shared_never_imports_an_app_and_apps_never_import_each_other():
    wrong = []
    for module, edges in drop_parent_packages(import_graph()).items():
        for target, line in edges.items():
            if module.startswith("shared") and target.startswith("apps"):
                wrong.append(f"{module}:{line} imports {target}")
            if module.startswith("apps.") and target.startswith("apps."):
                if module.split(".")[1] != target.split(".")[1]:
                    wrong.append(f"{module}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def deferred_imports_without_reason(path):
    """Function-level imports with no comment on their line or the line above."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines), str(path))
    found = []
    for _node, line, top in imported_names_with_nodes(tree):
        if top:
            continue
        nearby = lines[line - 1] + (lines[line - 2] if line >= 2 else "")
        if "#" not in nearby:
            found.append(f"{path.relative_to(ROOT)}:{line}")
    return sorted(set(found))


def imported_names_with_nodes(tree):
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, node.lineno, id(node) in top_level


def test_imports_are_at_the_top_unless_deferred_with_a_reason():
    found = []
    for package in ("apps", "shared"):
        for path in sorted((ROOT / package).rglob("*.py")):
            found.extend(deferred_imports_without_reason(path))
    assert not found, f"{len(found)} function-level imports without a comment saying why:\n" + "\n".join(found)
