"""Where a ``protsweep-report`` writes: its own folder under ``outputs/report/``, never another report's.

Each report gets ``<root>/<UTC time>_<inputs hash>/`` (a new folder, suffixed ``-2``, ``-3`` … should two
reports start in the same second on the same inputs), and ``<root>/latest`` is then pointed at it (a symlink,
swapped atomically; a one-line text file where the file system has no symlinks)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_REPORT_ROOT = Path("outputs") / "report"
LATEST = "latest"


def inputs_digest(dirs: Sequence[str | os.PathLike[str]]) -> str:
    """Six hex characters naming the set of swept folders (absolute, sorted): the same inputs, the same name."""
    text = "\n".join(sorted(str(Path(d).absolute()) for d in dirs))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def new_report_dir(root: str | os.PathLike[str], dirs: Sequence[str | os.PathLike[str]],
                   now: datetime | None = None) -> Path:
    """A folder under ``root`` that no report has used yet (created empty, so a parallel report skips it)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d_%H-%M-%S")
    base = Path(root) / f"{stamp}_{inputs_digest(dirs)}"
    base.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")


def point_latest(root: str | os.PathLike[str], report_dir: Path) -> Path:
    """Make ``<root>/latest`` lead to ``report_dir`` (relative link, replaced atomically); returns the link."""
    root = Path(root)
    link = root / LATEST
    tmp = root / f".{LATEST}.tmp-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(report_dir.name, tmp, target_is_directory=True)
    except OSError:  # no symlinks here: a text file naming the folder
        tmp.write_text(f"{report_dir.name}\n", encoding="utf-8")
    if link.is_dir() and not link.is_symlink():
        raise OSError(f"{link}: is a folder, not the pointer to the latest report; not replaced")
    os.replace(tmp, link)
    return link
