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


# ---------------------------------------------------------------------------------------------- the whole package
SRC_DIR = PACKAGE_DIR.parent  # src/protsweep
#: Layers, lowest first; a module belongs to the longest prefix listed. An arrow (an import, at module level or
#: inside a function) from a lower layer to a higher one runs back up.
LAYERS: tuple[tuple[str, ...], ...] = (
    # core: errors, files, the family registry, configs and their schemas, data, the run record, calibration,
    # the integrity checks
    ("protsweep", "protsweep.errors", "protsweep.atomic", "protsweep.framed", "protsweep.lazy_names",
     "protsweep.overrides", "protsweep.family",
     "protsweep.schema", "protsweep.targets", "protsweep.resolvers", "protsweep.data", "protsweep.record",
     "protsweep.calibration", "protsweep.integrity", "protsweep.tune"),
    # the model families and the model store they write
    ("protsweep.proteinbert", "protsweep.siamese", "protsweep.saved"),
    # running jobs and sweeps, and judging them
    ("protsweep.job", "protsweep.launch", "protsweep.aggregate", "protsweep.config_store", "protsweep.tune.trial"),
    # entry points: the commands
    ("protsweep.app", "protsweep.__main__", "protsweep.predict_cli", "protsweep.siamese.embed_cli",
     "protsweep.launch.child", "protsweep.aggregate.cli", "protsweep.api"),
)
MAX_ARROWS_BACK_UP = 6
#: Third-party packages heavy enough that a protsweep module importing them may be imported inside a function
#: on purpose (``--help``, ``--cfg`` and config checks stay fast, and a family never loads the other's framework).
FRAMEWORKS = frozenset({"tensorflow", "tf_keras", "proteinbert", "torch", "esm", "pandas", "sklearn", "h5py"})


def _package_modules(src: Path = SRC_DIR) -> dict[str, ast.Module]:
    modules = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src.parent).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = ast.parse(path.read_text(encoding="utf-8"))
    return modules


def _imported(module: str, node: ast.ImportFrom | ast.Import, known: set[str], is_package: bool) -> set[str]:
    """The protsweep modules an import statement reaches (``from pkg import module`` names the module)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            base = ".".join([*anchor[: len(anchor) - node.level + 1], *([node.module] if node.module else [])])
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    found = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def _function_nodes(tree: ast.Module) -> set[int]:
    return {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
    }


def _package_graph(src: Path = SRC_DIR) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    """(every protsweep arrow, the arrows made inside functions, the third-party top-level packages imported at
    module level), each by module."""
    modules = _package_modules(src)
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    lazy: dict[str, set[str]] = {name: set() for name in modules}
    external: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        inside = _function_nodes(tree)
        is_package = (src.parent / name.replace(".", "/") / "__init__.py").is_file()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = _imported(name, node, known, is_package)
            graph[name] |= targets
            if id(node) in inside:
                lazy[name] |= targets
            elif isinstance(node, ast.Import):
                external[name] |= {a.name.split(".")[0] for a in node.names}
            elif node.level == 0 and node.module:
                external[name].add(node.module.split(".")[0])
    return graph, lazy, external


def _layer(module: str) -> int:
    ranked = [(len(prefix), rank) for rank, prefixes in enumerate(LAYERS) for prefix in prefixes
              if module == prefix or module.startswith(prefix + ".")]
    assert ranked, f"{module} is in no layer: add it (or its package) to LAYERS"
    return max(ranked)[1]


def _arrows_back_up(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if _layer(a) < _layer(b))


def _loads_a_framework(module: str, graph: dict[str, set[str]], lazy: dict[str, set[str]],
                       external: dict[str, set[str]]) -> bool:
    """Whether importing ``module`` imports a framework (its own module-level imports, followed)."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if external[name] & FRAMEWORKS:
            return True
        todo += graph[name] - lazy[name]
    return False


def test_the_layer_counter_counts_an_arrow_back_up() -> None:
    assert _layer("protsweep.siamese.embed_cli") == 3 and _layer("protsweep.siamese.net.model") == 1
    assert _arrows_back_up({"protsweep.errors": {"protsweep.app"}, "protsweep.app": {"protsweep.errors"}}) == [
        "protsweep.errors -> protsweep.app"
    ]


def test_no_import_cycle_in_the_package_lazy_imports_included() -> None:
    graph, _, _ = _package_graph()
    assert {"protsweep.schema", "protsweep.job", "protsweep.family", "protsweep.siamese.runner"} <= set(graph)
    assert "protsweep.saved.card" in graph["protsweep.saved.store"]  # arrows are found (relative ones too)
    assert _find_cycle(graph) is None


def test_every_module_has_a_layer_and_few_arrows_run_back_up() -> None:
    graph, _, _ = _package_graph()
    for module in graph:
        _layer(module)  # raises on a module no layer holds
    back = _arrows_back_up(graph)
    assert len(back) <= MAX_ARROWS_BACK_UP, back


def test_an_import_inside_a_function_defers_a_framework() -> None:
    graph, lazy, external = _package_graph()
    needless = [f"{a} -> {b}" for a, targets in lazy.items() for b in sorted(targets)
                if not _loads_a_framework(b, graph, lazy, external)]
    assert needless == []


def test_nothing_outside_a_family_names_it() -> None:
    """Only the family's own package (and the layer counter's tests) import it; the rest ask the registry."""
    graph, lazy, _ = _package_graph()
    for family in ("protsweep.proteinbert", "protsweep.siamese"):
        outside = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                         if b.startswith(family + ".") and not a.startswith(family + ".") and b not in lazy[a])
        assert outside == [], outside


def test_no_module_of_the_package_over_the_size_limit() -> None:
    sizes = {str(p.relative_to(SRC_DIR)): len(p.read_text(encoding="utf-8").splitlines())
             for p in SRC_DIR.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
