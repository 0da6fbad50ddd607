"""Reuse a completed run of the same configuration instead of training it again.

Two jobs compute the same thing when their config fingerprints (:mod:`protsweep.integrity.fingerprint`) are
equal - the fingerprint holds every key that can change a result, the seed included, and leaves out only
where and how output is shown (sweep name, ablation block, loggers, threads) - and so are the content of the
files the config reads, the code and the framework versions (:class:`ReuseKey`,
:mod:`protsweep.record.identity`); a run qualifies only when its predictions and metrics still have the
sha256 its record holds. The newest such run wins. So when a sweep stacks a
route on a winner (``protsweep sweep=label_smoothing base=two_layer_head``), its baseline arm is the
``two_layer_head`` runs some earlier sweep already trained, and this module copies them in.

The copy keeps the source's record (metrics, predictions, history, model, wall times) and says where it
came from (``run.json``'s ``reused_from``); its ``overrides``, ``choices`` and ``ablation`` are this
job's, so the new sweep's aggregator groups it like a run it trained itself. Files are real copies
(copy-on-write clones where the file system offers them), never hard links, and the copied predictions and
metrics are checked against the recorded sha256.
"""

from __future__ import annotations

import fcntl
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protsweep.record import RUN_JSON
from protsweep.record.contract import REUSED_FROM_KEY
from protsweep.record.identity import CODE_KEY, DIGESTED_OUTPUTS, INPUTS_KEY, OUTPUTS_KEY, file_sha256
from protsweep.record.provenance import now_iso
from protsweep.record.state import NOT_WALKED_NAMES, NOT_WALKED_PREFIXES, RunState, walk_run_dirs

log = logging.getLogger(__name__)

#: Linux's ioctl that clones a file's extents (btrfs, XFS, ...): a copy-on-write copy
FICLONE = 0x40049409

REUSED_FROM = REUSED_FROM_KEY
#: Folders of a run directory that are not its result: Hydra's files (this job writes its own), records set
#: aside by ``overwrite=true``, the end-of-sweep results, temporary files and locks (the walker's skip rules).
NOT_COPIED_PREFIXES = NOT_WALKED_PREFIXES
NOT_COPIED = NOT_WALKED_NAMES


def run_dirs_below(root: Path, max_depth: int = 4) -> Iterator[Path]:
    """Folders holding a ``run.json`` at most ``max_depth`` levels below ``root``; a run folder's own
    subfolders, dot-folders, ``replaced-*`` and ``results`` folders are not searched."""
    return walk_run_dirs(root, max_depth=max_depth)


@dataclass(frozen=True)
class ReuseKey:
    """What a reused run must have recorded exactly as this job would: the config fingerprint, the content of
    the files the config reads (data, weights dump), the code (version and source hash), the framework versions."""

    fingerprint: str
    inputs: Mapping[str, Any]
    code: Mapping[str, Any]
    versions: Mapping[str, Any]


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


def _differences(recorded: Any, current: Mapping[str, Any]) -> list[str]:
    if not isinstance(recorded, Mapping):
        return ["(not recorded)"]
    keys = sorted(set(recorded) | set(current))
    return [f"{k} {recorded.get(k, '(absent)')} -> {current.get(k, '(absent)')}" for k in keys
            if recorded.get(k) != current.get(k)]


def _input_change(recorded: Any, current: Mapping[str, Any]) -> str | None:
    if not isinstance(recorded, Mapping):
        return "its record holds no content hash of the files it read"
    for key in sorted(set(recorded) | set(current)):
        old, new = recorded.get(key), current.get(key)
        if not isinstance(old, Mapping) or not isinstance(new, Mapping) or old.get("sha256") != new.get("sha256"):
            where = (new or old or {}).get("path", key) if isinstance(new or old, Mapping) else key
            return f"the file {key} ({where}) has other content than when it ran"
    return None


def why_not_reused(run_dir: Path, info: Mapping[str, Any], key: ReuseKey) -> str | None:
    """Why a completed run of the same fingerprint cannot stand for this job, or None when it can: other input
    content, other code, other framework versions, or record files that differ from their recorded sha256."""
    change = _input_change(info.get(INPUTS_KEY), key.inputs)
    if change:
        return change
    code = _differences(info.get(CODE_KEY), key.code)
    if code:
        return f"it ran other code ({'; '.join(code)[:200]})"
    versions = _differences(info.get("versions"), key.versions)
    if versions:
        return f"it ran with other versions ({'; '.join(versions)[:200]})"
    digests = info.get(OUTPUTS_KEY)
    if not isinstance(digests, Mapping) or set(digests) != set(DIGESTED_OUTPUTS):
        return "its record holds no sha256 of its predictions and metrics"
    for name, expected in digests.items():
        try:
            actual = file_sha256(run_dir / name)
        except OSError:
            return f"its {name} is missing or unreadable"
        if actual != expected:
            return f"its {name} differs from the sha256 its record holds (changed or planted)"
    return None


def _newest_first(run_dirs: Iterable[Path]) -> list[Path]:
    def finished(path: Path) -> float:
        try:
            return (path / RUN_JSON).stat().st_mtime
        except OSError:
            return 0.0

    return sorted(run_dirs, key=finished, reverse=True)


def find_reusable(
    key: ReuseKey, roots: Iterable[Path], exclude: Path, note: Callable[[str], None] = log.info
) -> tuple[Path, dict[str, Any]] | None:
    """The newest completed run under ``roots`` (by when its record was last written) that matches ``key``
    exactly, not ``exclude``; each run of the same fingerprint passed over is reported to ``note`` with why."""
    excluded = exclude.resolve()
    seen: set[Path] = set()
    candidates: list[tuple[Path, dict[str, Any]]] = []
    for root in roots:
        for run_dir in run_dirs_below(root):
            resolved = run_dir.resolve()
            if resolved == excluded or resolved in seen:
                continue
            seen.add(resolved)
            info = completed_with_fingerprint(run_dir, key.fingerprint)
            if info is not None:
                candidates.append((run_dir, info))
    by_dir = dict(candidates)
    for run_dir in _newest_first(by_dir):
        reason = why_not_reused(run_dir, by_dir[run_dir], key)
        if reason is None:
            return run_dir, by_dir[run_dir]
        note(f"passed over {run_dir} (same config): {reason}")
    return None


def copy_file(src: Path, dst: Path) -> None:
    """A real copy (a copy-on-write clone where the file system offers one), never a hard link: writing to
    the copy must never change the source."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        with src.open("rb") as source, dst.open("wb") as target:
            fcntl.ioctl(target.fileno(), FICLONE, source.fileno())
        shutil.copystat(src, dst)
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
        if dst.exists() or dst.is_symlink():
            dst.unlink()
        copy_file(path, dst)
    copied = {name: file_sha256(target / name) for name in DIGESTED_OUTPUTS if (target / name).is_file()}
    if copied != info.get(OUTPUTS_KEY):
        raise OSError(f"the copy of {source} in {target} differs from the sha256 its record holds")
    record = {
        **info,
        **identity,
        REUSED_FROM: {"run": str(source.resolve()), "at": now_iso()},
    }
    RunState(target).write(record)
    return record
