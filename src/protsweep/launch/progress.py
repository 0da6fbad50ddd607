"""Progress lines: one per epoch inside a job, one per finished job for the sweep.

The top-level ``progress`` key: ``auto`` (default; also ``true``) prints only to an interactive terminal and
never when ``CI`` is set, so logs and CI output stay free of progress chatter; ``always`` prints anyway (a
job log you tail); ``never`` (also ``false``) silences it all.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from protsweep.callbacks import TrainerCallback
from protsweep.errors import ConfigError

MODES = {"auto": "auto", "true": "auto", "always": "always", "never": "never", "false": "never"}


def progress_mode(setting: Any) -> str:
    """Normalise the ``progress`` setting (bools included) to auto | always | never."""
    mode = MODES.get(str(setting).strip().lower())
    if mode is None:
        raise ConfigError(f"progress must be auto, always or never (or true/false), not {setting!r}")
    return mode


def progress_enabled(setting: Any, stream: TextIO, env: Mapping[str, str] = os.environ) -> bool:
    mode = progress_mode(setting)
    if mode != "auto":
        return mode == "always"
    in_ci = env.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return not in_ci and stream.isatty()


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _number(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if math.isnan(number) else f"{number:.4f}"


def format_epoch_line(row: Mapping[str, Any], total: int | None, seconds: float | None) -> str:
    """``frozen epoch 3/40  loss 0.4123  val_auc 0.8123  12.3 s/epoch`` from one history row."""
    of = f"/{total}" if total else ""
    parts = [f"{row.get('stage', '?')} epoch {row.get('epoch', '?')}{of}"]
    parts += [f"{key} {_number(row[key])}" for key in ("loss", "val_auc") if key in row]
    if seconds is not None:
        parts.append(f"{seconds:.1f} s/epoch")
    return "  ".join(parts)


class EpochProgress(TrainerCallback):
    """A training callback (:mod:`protsweep.callbacks`): prints one line per history row (``on_row``, or a
    call with the row).

    ``totals`` maps a stage to its planned epochs (shown as k/N). The seconds per epoch are measured between
    calls of the same stage, the first one from construction or the previous stage's last row.
    """

    def __init__(
        self,
        totals: Mapping[str, int] | None = None,
        label: str = "",
        setting: Any = "auto",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.totals = dict(totals or {})
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = progress_enabled(setting, self.stream)
        self.clock = clock
        self._last = clock()

    def __call__(self, row: Mapping[str, Any]) -> None:
        now = self.clock()
        seconds, self._last = now - self._last, now
        if not self.enabled:
            return
        line = format_epoch_line(row, self.totals.get(str(row.get("stage"))), seconds)
        prefix = f"[{self.label}] " if self.label else ""
        print(f"{prefix}{line}", file=self.stream, flush=True)

    def on_row(self, row: Mapping[str, Any]) -> None:
        self(row)


def eta_seconds(elapsed: float, finished: int, remaining: int) -> float | None:
    """Time left at the pace so far (``finished`` jobs in ``elapsed`` seconds, however many ran at once)."""
    if finished <= 0:
        return None
    return elapsed / finished * remaining


def format_sweep_line(done: int, total: int | None, failed: int, eta: float | None) -> str:
    """``protsweep: job 3/12 done, 1 failed, ETA 4m10s``."""
    of = f"/{total}" if total is not None else ""
    line = f"protsweep: job {done}{of} done, {failed} failed"
    if eta is not None and (total is None or done < total):
        line += f", ETA {format_duration(eta)}"
    return line
