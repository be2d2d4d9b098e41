"""The package's architecture, checked: floors that only import downwards, no import loops, a version-neutral core.

Every import counts, also those inside functions (a lazy import is still a dependency). A version package is
reached from the core only by name through `conformance.versions.support`, never by an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "conformance"

# Lowest floor first. A module may import modules of its own floor or of lower floors, never higher ones.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("foundations", ("wire", "errors", "frames", "protocol", "timestamps", "steps", "simulation", "suite_files",
                     "redaction", "credentials")),
    ("judging and data", ("schemas", "rules", "case_info", "iut", "pki", "certificates", "tls_contexts", "waivers",
                          "reporting", "versions", "file_transfer", "security_needs", "simulator_tls")),
    ("the link to an IUT", ("peer", "transport", "drivers", "session", "case", "link", "connections", "__init__")),
    ("OCPP versions", ("ocpp16", "ocpp201")),
    ("pytest and command line", ("options", "runstate", "pytest_fixtures", "plugin", "pki_command", "parallel_run", "cli")),
]
VERSION_PACKAGES = ("ocpp16", "ocpp201")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The conformance modules `name` imports (relative imports resolved). A package's own `__init__` runs before
    any of its modules anyway, so that implicit step is not an edge."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # `from pkg import module` imports the module; `from pkg import name`, pkg
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _floor(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for number, (_, members) in enumerate(FLOORS):
        if top in members:
            return number
    raise AssertionError(f"{module} is on no floor: add it to FLOORS in {__file__}")


def test_every_module_has_a_floor() -> None:
    for module in MODULES:
        _floor(module)


def test_no_module_imports_a_higher_floor() -> None:
    upward = [f"{m} ({FLOORS[_floor(m)][0]}) imports {d} ({FLOORS[_floor(d)][0]})"
              for m, deps in GRAPH.items() for d in sorted(deps) if _floor(d) > _floor(m)]
    assert not upward, "\n".join(upward)


def test_no_import_loops() -> None:
    # Tarjan's strongly connected components: any component with more than one module is a loop.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in GRAPH[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not loops, "import loops: " + "; ".join(" ⇄ ".join(loop) for loop in loops)


@pytest.mark.parametrize("package", VERSION_PACKAGES)
def test_version_packages_do_not_import_each_other(package: str) -> None:
    others = [p for p in VERSION_PACKAGES if p != package]
    crossing = [f"{m} imports {d}" for m, deps in GRAPH.items() if m.startswith(f"conformance.{package}")
                for d in deps if any(d.startswith(f"conformance.{o}") for o in others)]
    assert not crossing, "\n".join(crossing)


def test_the_core_names_no_ocpp_version_in_its_logic() -> None:
    """Version facts are data in conformance.protocol; elsewhere in the core a literal version string in a
    comparison would be a branch on the version."""
    offenders = []
    for module, path in MODULES.items():
        if module.split(".")[1:2] and module.split(".")[1] in VERSION_PACKAGES + ("protocol",):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Constant) and side.value in ("1.6", "2.0.1", "2.1"):
                        offenders.append(f"{module}:{node.lineno}")
    assert not offenders, "branches on a version string: " + ", ".join(offenders)
