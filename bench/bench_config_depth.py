"""How deep the config travels and how large the functions are (issue 20 point 5), read from the source.

Prints the modules that name ``DictConfig``, the annotations that do (parameters and returns, then fields),
the modules of networks, trainers and losses that still take a config, and the five largest functions.

    .venv/bin/python bench/bench_config_depth.py [SRC_DIR]   # default: this checkout's src/protsweep
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

#: modules of the networks, trainers and losses: only the builders among them may take a config
OBJECT_MODULES = ("siamese/net/", "siamese/train/", "proteinbert/trainer.py", "proteinbert/callbacks.py",
                  "proteinbert/model.py", "proteinbert/heads.py", "proteinbert/layers.py", "siamese/net/losses.py")


def annotations(tree: ast.AST) -> tuple[int, int]:
    """(parameter and return annotations naming DictConfig, field annotations naming it)."""
    signature = fields = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            found = [a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
                     if a is not None and a.annotation is not None]
            found += [node.returns] if node.returns is not None else []
            signature += sum("DictConfig" in ast.unparse(a) for a in found)
        elif isinstance(node, ast.AnnAssign) and "DictConfig" in ast.unparse(node.annotation):
            fields += 1
    return signature, fields


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "src" / "protsweep"
    modules, signature, fields, deep, sizes = 0, 0, 0, [], []
    for path in sorted(root.rglob("*.py")):
        text, name = path.read_text(), path.relative_to(root).as_posix()
        tree = ast.parse(text)
        sizes += [(n.end_lineno - n.lineno + 1, f"{name}:{n.lineno} {n.name}") for n in ast.walk(tree)
                  if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        if "DictConfig" not in text:
            continue
        modules += 1
        s, f = annotations(tree)
        signature, fields = signature + s, fields + f
        if s + f and name.startswith(OBJECT_MODULES):
            deep.append(f"{name} ({s + f})")
    print(f"modules naming DictConfig: {modules}")
    print(f"DictConfig annotations: {signature} in signatures, {fields} on fields")
    print(f"networks/trainers/losses taking a config: {', '.join(deep) or 'none'}")
    print("largest functions (lines):")
    for size, where in sorted(sizes, reverse=True)[:5]:
        print(f"  {size:4d}  {where}")


if __name__ == "__main__":
    main()
