"""What besides the config decides a run's result, recorded in run.json so a reuse can be exact:

- ``inputs``: the content (sha256, size) of every file the config names - the data files under ``data.`` and
  the pretrained weights dump (``model.weights_path``) - keyed by the config key naming it;
- ``code``: the protsweep version and a sha256 of its source (``*.py`` of the package and the option files),
  so an edited checkout, another commit or an installed wheel of other code never counts as the same code;
- ``outputs_sha256``: the sha256 of the record files a reuse copies (predictions, metrics), checked before
  a copy is trusted.

The framework versions are run.json's ``versions`` (:func:`protsweep.record.provenance.package_versions`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

import protsweep
from protsweep.record.contract import METRICS_JSON, PREDICTIONS_CSV
from protsweep.schema import config_dir

INPUTS_KEY = "inputs"
CODE_KEY = "code"
OUTPUTS_KEY = "outputs_sha256"
#: the record files whose sha256 is kept, and checked before a copy of them is trusted
DIGESTED_OUTPUTS = (PREDICTIONS_CSV, METRICS_JSON)
#: config subtrees whose string values may name input files
INPUT_ROOTS = ("data", "model.weights_path")

_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) within the process."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def _strings(node: Any, prefix: str) -> list[tuple[str, str]]:
    if isinstance(node, Mapping):
        return [pair for k, v in node.items() for pair in _strings(v, f"{prefix}.{k}")]
    if isinstance(node, list):
        return [pair for i, v in enumerate(node) for pair in _strings(v, f"{prefix}[{i}]")]
    return [(prefix, node)] if isinstance(node, str) and node else []


def input_files(cfg: DictConfig, cwd: Path) -> dict[str, dict[str, Any]]:
    """``{config key: {"path", "sha256", "bytes"}}`` for each config value under :data:`INPUT_ROOTS` that names
    an existing file (relative paths are relative to ``cwd``, the launch folder)."""
    found: dict[str, dict[str, Any]] = {}
    for root in INPUT_ROOTS:
        node = OmegaConf.select(cfg, root, default=None)
        if isinstance(node, DictConfig):
            node = OmegaConf.to_container(node, resolve=True)
        for key, value in _strings(node, root):
            path = (cwd / Path(value).expanduser()).resolve() if len(value) < 4096 else None
            try:
                if path is not None and path.is_file():
                    found[key.removesuffix(".")] = {"path": str(path), "sha256": file_sha256(path),
                                                    "bytes": path.stat().st_size}
            except OSError:
                continue
    return found


@cache
def source_sha256() -> str:
    """sha256 over protsweep's own source files and option files (relative names and contents, sorted)."""
    digest = hashlib.sha256()
    package = Path(protsweep.__file__).resolve().parent
    roots = [(package, "*.py"), (config_dir(), "*.yaml")]
    for base, pattern in roots:
        for path in sorted(base.rglob(pattern)):
            digest.update(f"{base.name}/{path.relative_to(base)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def code_identity() -> dict[str, str]:
    return {"protsweep": protsweep.__version__, "source_sha256": source_sha256()}


def output_digests(run_dir: Path) -> dict[str, str]:
    """``{file: sha256}`` of the record files a reuse copies that ``run_dir`` holds."""
    return {name: file_sha256(run_dir / name) for name in DIGESTED_OUTPUTS if (run_dir / name).is_file()}
