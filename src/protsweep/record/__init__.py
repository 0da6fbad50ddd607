"""The run record: the contract (:mod:`.contract`), the state file's reader (:mod:`.state`), the writer
(:mod:`.writer`) and the one output
writer shared by every model family (:mod:`.outputs`). See docs/run-record.md.

Names resolve lazily (PEP 562), so ``protsweep.record.contract``, a leaf, can be imported by the
calibration metrics and the aggregator without importing pandas or sklearn through this package.
"""

from __future__ import annotations

from protsweep.lazy_names import lazy_names
from protsweep.record.contract import *  # noqa: F403 -- the contract is the package's own namespace
from protsweep.record.contract import __all__ as _CONTRACT

_LAZY = {
    "binary_metrics": "metrics",
    "split_metrics": "metrics",
    "prediction_frame": "outputs",
    "write_outputs": "outputs",
    "git_sha": "provenance",
    "now_iso": "provenance",
    "package_versions": "provenance",
    "RunRecord": "writer",
    "RunState": "state",
    "read_status": "state",
    "walk_run_dirs": "state",
}

__all__ = [*_CONTRACT, *_LAZY]


__getattr__ = lazy_names(__name__, _LAZY)
