"""Which run ``trainer.init_from`` names: a run folder, or a sweep folder plus the variant and seed.

A sweep's job folders are named by their overrides (``head=two_layer,seed=0``), which Hydra's grammar cannot
take unquoted as a value. So ``trainer.init_from`` may name the sweep folder and ``trainer.init_variant`` the
variant as a dict, ``trainer.init_variant={head:two_layer}`` (the keys ``protsweep-predict --variant`` takes);
the parent is that variant's run at ``trainer.init_seed``, by default the job's own seed (or the variant's only
run).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from protsweep.aggregate.records import is_run_dir
from protsweep.aggregate.saved_runs import select_runs
from protsweep.errors import ProtsweepError
from protsweep.record.contract import RUN_JSON


def parent_dir(init_from: str, variant: Mapping[str, Any], init_seed: int | None, job_seed: int) -> Path:
    """The parent run's folder (resolved); one line when the folder, variant or seed names none."""
    if not isinstance(variant, Mapping):
        raise ProtsweepError(f"trainer.init_variant={variant}: expected a dict of the variant's keys, e.g. "
                             "trainer.init_variant={head:two_layer}")
    root = Path(str(init_from)).expanduser().resolve()
    if not root.is_dir():
        raise ProtsweepError(f"trainer.init_from={init_from}: no such run directory")
    if is_run_dir(root) and (root / RUN_JSON).is_file():
        if variant:
            raise ProtsweepError(f"trainer.init_from={init_from} is one run: trainer.init_variant selects runs of a "
                                 "sweep folder")
        return root
    try:
        runs = select_runs(root, [f"{key}={value}" for key, value in variant.items()])
    except ProtsweepError as err:
        raise ProtsweepError(f"trainer.init_from: {err}".replace("--variant", "trainer.init_variant")) from err
    seed = init_seed if init_seed is not None else (job_seed if job_seed in runs or len(runs) != 1 else None)
    if seed is None:
        return next(iter(runs.values()))
    if seed not in runs:
        raise ProtsweepError(f"trainer.init_from={init_from}: the variant has no completed run at seed {seed} "
                             f"(seeds: {', '.join(map(str, runs))}; trainer.init_seed=<seed> picks one)")
    return runs[seed]
