"""The package's layout, read from its imports: the pipeline at the bottom,
outputs/ above it, one folder per user of the product (the wings) above
that, and cli.py on top. Every arrow points down and no module reaches back
up through another: there are no import cycles at all (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kokdsl"
WINGS = ("authoring", "followup", "intake", "serve")
TOP = ("kokdsl.cli", "kokdsl.__main__")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The kokdsl module an imported name lives in (a module, or the package
    whose attribute it is); None outside kokdsl."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> set[str]:
    """Every kokdsl module `module` imports, wherever the import stands (at
    the top, inside a function, under TYPE_CHECKING): each is a dependency."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {m for m in map(_resolve, names) if m is not None and m != module}
    return found


GRAPH = {module: imports(module) for module in MODULES}


def layer(module: str) -> str:
    """top, a wing's name, outputs, or pipeline."""
    if module in TOP:
        return "top"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in (*WINGS, "outputs"):
        return parts[1]
    return "pipeline"


def _allowed(source: str, target: str) -> bool:
    here, there = layer(source), layer(target)
    if here == "top" or there == "pipeline":
        return there != "top" or here == "top"
    if here == "pipeline":
        return False
    if here == "outputs":
        return there == "outputs"
    return there in ("outputs", here)  # a wing: the pipeline, outputs/ and itself


def test_the_layers_are_recognised():
    layers = {layer(m) for m in MODULES}
    assert {"top", "pipeline", "outputs", "authoring", "followup", "intake"} <= layers
    assert layer("kokdsl.parser") == "pipeline" and layer("kokdsl.authoring.lint") == "authoring"
    assert "kokdsl.errors" in GRAPH["kokdsl.parser"]  # imports are read, also `from kokdsl import x`
    assert "kokdsl.ast" in GRAPH["kokdsl.closures"]


def test_every_import_points_down():
    """The pipeline imports no folder above it; outputs/ imports only the
    pipeline; a wing imports only the pipeline, outputs/ and itself, never
    another wing; only cli.py imports cli.py's layer."""
    upward = sorted(f"{source} -> {target}" for source, targets in GRAPH.items() for target in targets
                    if not _allowed(source, target))
    assert not upward, "imports that point up or across:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
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
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_rules_refuse_what_they_should():
    assert not _allowed("kokdsl.evaluator", "kokdsl.outputs.findings")
    assert not _allowed("kokdsl.outputs.findings", "kokdsl.followup.overview")
    assert not _allowed("kokdsl.authoring.impact", "kokdsl.followup.rerun")
    assert not _allowed("kokdsl.intake.form", "kokdsl.cli")
    assert _allowed("kokdsl.followup.rerun", "kokdsl.outputs.findings")
    assert _allowed("kokdsl.cli", "kokdsl.intake.form")
