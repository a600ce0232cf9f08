"""The layers' imports: no module of netlab imports itself back through others, and the pure layers
that everything stands on (model, plan, readback) import nothing above them. Read from the source
(every import, TYPE_CHECKING ones too), so a cycle held apart only at run time shows as well."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "netlab"
# What each may import: the model nothing but itself, the plan the model, read-back parsers what the
# rendered state they compare with is made of
BELOW = {"model": {"model"}, "plan": {"model", "plan"}, "readback": {"model", "plan", "render", "readback"}}


def modules() -> dict[str, set[str]]:
    """Every module of netlab, with the netlab modules it imports (`from pkg import sub` imports sub)."""
    files = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}
    names = {name.removesuffix(".__init__") for name in files}
    imports: dict[str, set[str]] = {}
    for name, path in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("netlab"):
                subs = {f"{node.module}.{a.name}" for a in node.names} & names
                found |= subs or {node.module}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("netlab")}
        module = name.removesuffix(".__init__")
        imports[module] = (found & names) - {module}
    return imports


def cycle_from(start: str, imports: dict[str, set[str]]) -> list[str] | None:
    """A chain of imports from `start` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for dep in imports[module]:
            if dep == start:
                return [*path, start]
            if dep not in seen:
                seen.add(dep)
                stack.append((dep, [*path, dep]))
    return None


def test_no_module_imports_itself_back() -> None:
    imports = modules()
    cycles = [c for m in sorted(imports) if (c := cycle_from(m, imports))]
    assert not cycles, " -> ".join(cycles[0])


def test_the_pure_foundations_import_nothing_above_them() -> None:
    wrong = [
        f"{module} imports {dep}"
        for module, deps in modules().items()
        if (layer := module.split(".")[1] if module.count(".") else "") in BELOW
        for dep in deps
        if dep.count(".") and dep.split(".")[1] not in BELOW[layer] | {"errors"}
    ]
    assert not wrong, wrong
