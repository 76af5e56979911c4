"""The package's layering, read from the source: no import cycle (imports inside functions count,
they run sooner or later), the model depends on nothing of the package, and checks and reporters
never load parser code (the Checkov pack and the reporters must stay light and language-blind)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ampls_checks

PACKAGE = Path(ampls_checks.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of the package that `path` imports, anywhere in it (functions included)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in known else origin)
    return {module for module in found if module in known}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) - {name} for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
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
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_import_graph_is_read_from_every_module() -> None:
    graph = import_graph()
    # a known edge inside a function and a known edge at the top: the walk sees both kinds
    assert "ampls_checks.parsers.terraform.hcl_parser" in graph["ampls_checks.speed.cache"]
    assert "ampls_checks.model" in graph["ampls_checks.link"]
    assert "ampls_checks.checks.base" in graph["ampls_checks.checks"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_the_package() -> None:
    assert cycles(import_graph()) == []


def test_the_model_imports_nothing_of_the_package() -> None:
    assert import_graph()["ampls_checks.model"] == set()


def test_checks_and_reporters_load_no_parser_module() -> None:
    wanted = sorted(name for name in modules() if name.startswith(("ampls_checks.checks", "ampls_checks.reporters")))
    assert "ampls_checks.checks.ckv_ampls_1" in wanted and "ampls_checks.reporters.sarif" in wanted
    program = (
        "import importlib, sys\n"
        f"for name in {wanted!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('ampls_checks.parsers'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_graph_names_nodes_by_the_arm_types_of_the_one_table() -> None:
    """The graph's own ARM type names (model.py may import nothing) are azure.py's, lower-cased."""
    from ampls_checks import model
    from ampls_checks.azure import RESOURCE_TYPES

    def arm(kind: str) -> list[str]:
        return [t.lower() for t in RESOURCE_TYPES[kind].arm]

    assert arm("PrivateLinkScope") == [model.SCOPE_TYPE]
    assert arm("PrivateDnsZone") == [model.ZONE_TYPE]
    assert arm("VirtualNetwork") == [model.VNET_TYPE]
    assert arm("Subnet") == [model.SUBNET_TYPE]
    assert sorted(model.MONITOR_ARM_TYPES.values()) == sorted(arm("MonitorResource"))
