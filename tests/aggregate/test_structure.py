"""The aggregator's module graph: no import cycle, no import hidden inside a function, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import protsweep.aggregate as package

PACKAGE_DIR = Path(package.__file__).parent
MAX_LINES = 300


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE_DIR.glob("*.py"))}


def _relative_imports(tree: ast.Module) -> set[str]:
    return {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }


def _graph() -> dict[str, set[str]]:
    return {name: _relative_imports(tree) for name, tree in _modules().items()}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(node: str, stack: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt] if nxt in stack else [node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*stack, nxt])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_between_modules() -> None:
    graph = _graph()
    assert {"api", "result", "render", "plots", "output"} <= set(graph)
    assert _find_cycle(graph) is None


def test_the_result_is_a_leaf_and_plots_do_not_read_it() -> None:
    graph = _graph()
    assert graph["result"] == set()
    assert "result" not in graph["plots"]
    for reader in ("render", "output"):
        assert "result" in graph[reader]


def test_no_import_inside_a_function() -> None:
    lazy = [
        f"{name}.py:{node.lineno}"
        for name, tree in _modules().items()
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert lazy == []


def test_no_module_over_the_size_limit() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE_DIR.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
