"""Reuse a completed run of the same configuration instead of training it again.

Two jobs whose config fingerprints (:mod:`protsweep.integrity.fingerprint`) are equal compute the same
thing: the fingerprint holds every key that can change a result, the seed included, and leaves out only
where and how output is shown (sweep name, ablation block, loggers, threads). So when a sweep stacks a
route on a winner (``protsweep sweep=label_smoothing base=two_layer_head``), its baseline arm is the
``two_layer_head`` runs some earlier sweep already trained, and this module copies them in.

The copy keeps the source's record (metrics, predictions, history, model, wall times) and says where it
came from (``run.json``'s ``reused_from``); its ``overrides``, ``choices`` and ``ablation`` are this
job's, so the new sweep's aggregator groups it like a run it trained itself. Files are hard-linked where
the file system allows (record files are replaced by rename, never rewritten in place), else copied.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from protsweep.record.contract import REUSED_FROM_KEY, RUN_JSON
from protsweep.record.provenance import now_iso
from protsweep.record.state import NOT_WALKED_NAMES, NOT_WALKED_PREFIXES, RunState, walk_run_dirs

log = logging.getLogger(__name__)

REUSED_FROM = REUSED_FROM_KEY
#: Folders of a run directory that are not its result: Hydra's files (this job writes its own), records set
#: aside by ``overwrite=true``, the end-of-sweep results, temporary files and locks (the walker's skip rules).
NOT_COPIED_PREFIXES = NOT_WALKED_PREFIXES
NOT_COPIED = NOT_WALKED_NAMES


def run_dirs_below(root: Path, max_depth: int = 4) -> Iterator[Path]:
    """Folders holding a ``run.json`` at most ``max_depth`` levels below ``root``; a run folder's own
    subfolders, dot-folders, ``replaced-*`` and ``results`` folders are not searched."""
    return walk_run_dirs(root, max_depth=max_depth)


def completed_with_fingerprint(run_dir: Path, sha256: str) -> dict[str, Any] | None:
    """``run_dir``'s run.json when it completed with this fingerprint and was not itself a copy, else None."""
    try:
        text = (run_dir / RUN_JSON).read_text(encoding="utf-8")
    except OSError:
        return None
    if sha256 not in text:  # most records differ: skip parsing them
        return None
    state = RunState.read(run_dir, text)
    if not state.completed or state.reused_from:
        return None
    recorded = state.fingerprint
    return state.info if recorded is not None and recorded.get("sha256") == sha256 else None


def find_reusable(sha256: str, roots: Iterable[Path], exclude: Path) -> tuple[Path, dict[str, Any]] | None:
    """The first completed run under ``roots`` (newest folder names first) with this fingerprint, not ``exclude``."""
    excluded = exclude.resolve()
    for root in roots:
        for run_dir in run_dirs_below(root):
            if run_dir.resolve() == excluded:
                continue
            info = completed_with_fingerprint(run_dir, sha256)
            if info is not None:
                return run_dir, info
    return None


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_run(source: Path, info: Mapping[str, Any], target: Path, identity: Mapping[str, Any]) -> dict[str, Any]:
    """Copy ``source``'s result files into ``target`` and write its run.json with this job's ``identity``
    (overrides, choices, ablation) and ``reused_from``; return the new run.json. run.json comes last, so a
    copy cut short reads as unfinished, never as completed."""
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        top = rel.parts[0]
        if path.is_dir() or rel == Path(RUN_JSON) or top.startswith(NOT_COPIED_PREFIXES) or top in NOT_COPIED:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        dst = target / rel
        if dst.exists():
            dst.unlink()
        _link_or_copy(path, dst)
    record = {
        **info,
        **identity,
        REUSED_FROM: {"run": str(source.resolve()), "at": now_iso()},
    }
    RunState(target).write(record)
    return record
