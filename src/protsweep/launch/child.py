"""``python -m protsweep.launch.child <payload>``: the fresh process of :mod:`protsweep.launch.fresh`. It
restores the job's Hydra config and task config from the payload and calls :func:`protsweep.job.execute`."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from hydra.conf import HydraConf
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import configure_log, setup_globals
from omegaconf import OmegaConf

from protsweep import job
from protsweep.resolvers import register_resolvers


def main(argv: list[str]) -> int:
    payload = pickle.loads(Path(argv[0]).read_bytes())
    setup_globals()
    register_resolvers()
    hydra_node = OmegaConf.structured(HydraConf)
    OmegaConf.set_struct(hydra_node, False)  # Hydra adds keys of its own at run time (e.g. ``env``)
    hydra_node.merge_with(payload["hydra"])
    HydraConfig.instance().set_config(OmegaConf.create({"hydra": hydra_node}))
    hydra_cfg = HydraConfig.get()
    configure_log(hydra_cfg.job_logging, hydra_cfg.verbose)
    job.execute(payload["task"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
