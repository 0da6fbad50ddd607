"""The run folder's state file, ``run.json``: the one reader and writer of it, and the one walker of folders
holding run records (in the manner of transformers' ``TrainerState``: one class owns the state file).

Every module that needs a job's status, config fingerprint or identity (overrides, choices, seed) reads it
through :class:`RunState`; a missing, truncated or unreadable file reads as a state with no status and a
``problem`` line saying which, never as an exception.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protsweep.atomic import write_json_atomic
from protsweep.record.contract import FINGERPRINT_KEY, REUSED_FROM_KEY, RUN_JSON, Status

__all__ = ["MISSING", "NOT_WALKED_NAMES", "NOT_WALKED_PREFIXES", "RunState", "read_status", "walk_run_dirs"]

MISSING = "no run.json (the job did not start or was killed before writing it)"

#: Folders never searched for runs: temporary and Hydra's own (dot-folders), records set aside by
#: ``overwrite=true`` (``replaced-<time>``), and a sweep's end-of-sweep ``results``.
NOT_WALKED_PREFIXES = (".", "replaced-")
NOT_WALKED_NAMES = ("results",)


@dataclass
class RunState:
    """One job folder's ``run.json`` as read (or about to be written)."""

    run_dir: Path
    info: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None  # why there is no usable record: missing, unreadable, not an object

    @property
    def path(self) -> Path:
        return self.run_dir / RUN_JSON

    @classmethod
    def read(cls, run_dir: str | os.PathLike[str], text: str | None = None) -> RunState:
        """The state in ``run_dir``; ``text``: the file's content when the caller already read it."""
        state = cls(Path(run_dir))
        try:
            raw = state.path.read_text(encoding="utf-8") if text is None else text
        except FileNotFoundError:
            state.problem = MISSING
            return state
        except OSError as exc:
            state.problem = f"run.json unreadable: {exc.strerror or exc}"
            return state
        try:
            info = json.loads(raw)
        except ValueError as exc:
            state.problem = f"run.json unreadable: {str(exc).strip().splitlines()[-1]}"
            return state
        if not isinstance(info, dict):
            state.problem = "run.json unreadable: not a JSON object"
            return state
        state.info = info
        return state

    def write(self, info: Mapping[str, Any] | None = None) -> None:
        """Replace run.json atomically with ``info`` (default: this state's)."""
        if info is not None:
            self.info = dict(info)
        write_json_atomic(self.path, self.info)
        self.problem = None

    @property
    def readable(self) -> bool:
        return self.problem is None

    @property
    def status(self) -> Status | None:
        """The recorded status; None without a readable record or with a word the contract does not know."""
        try:
            return Status(self.info.get("status"))
        except ValueError:
            return None

    @property
    def finished(self) -> bool:
        return self.status in (Status.COMPLETED, Status.FAILED)

    @property
    def completed(self) -> bool:
        return self.status is Status.COMPLETED

    @property
    def ended_at(self) -> str | None:
        value = self.info.get("ended_at")
        return str(value) if value else None

    @property
    def fingerprint(self) -> dict[str, Any] | None:
        found = self.info.get(FINGERPRINT_KEY)
        return found if isinstance(found, dict) else None

    @property
    def reused_from(self) -> Any:
        return self.info.get(REUSED_FROM_KEY)

    @property
    def overrides(self) -> list[str] | None:
        found = self.info.get("overrides")
        return [str(o) for o in found] if isinstance(found, list) else None

    @property
    def choices(self) -> dict[str, str] | None:
        found = self.info.get("choices")
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else None


def read_status(run_dir: str | os.PathLike[str]) -> Status | None:
    """The status in ``run_dir/run.json``, or None when there is no readable record or status."""
    return RunState.read(run_dir).status


def walk_run_dirs(
    root: Path,
    is_run_dir: Callable[[Path], bool] = lambda p: (p / RUN_JSON).is_file(),
    max_depth: int | None = None,
) -> Iterator[Path]:
    """Run folders at or below ``root`` (``is_run_dir``; default: holding a run.json), at most ``max_depth``
    levels down, depth first in name order; a run folder's own subfolders and the
    :data:`NOT_WALKED_PREFIXES` / :data:`NOT_WALKED_NAMES` folders are not searched."""
    if not root.is_dir():
        return
    if is_run_dir(root):
        yield root
        return
    if max_depth == 0:
        return
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not _skipped(p.name))
    except OSError:
        return
    for child in children:
        yield from walk_run_dirs(child, is_run_dir, None if max_depth is None else max_depth - 1)


def _skipped(name: str) -> bool:
    return name.startswith(NOT_WALKED_PREFIXES) or name in NOT_WALKED_NAMES
