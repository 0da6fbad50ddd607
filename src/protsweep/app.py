"""The ``protsweep`` command: a thin Hydra entry point. All work happens in :mod:`protsweep.job`; the task
returns the validation objective ``tune.metric`` (:mod:`protsweep.tune`), which a tuning sweeper optimises."""

from __future__ import annotations

import contextlib
import io
import math
import os
import sys
import warnings

import hydra
from omegaconf import DictConfig

from protsweep import job
from protsweep.aggregate.callback import NOT_AGGREGATED
from protsweep.config_store import register_schemas
from protsweep.errors import ConfigError
from protsweep.launch.cfg_check import asks_for_help, check_printed_config, printing_only, without_schemas
from protsweep.launch.monitor import last_outcome
from protsweep.resolvers import register_resolvers
from protsweep.schema import config_dir
from protsweep.tune.trial import run_trial


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")
def _hydra_main(cfg: DictConfig) -> float:
    try:
        return run_trial(cfg)
    except ConfigError as err:  # e.g. tune.metric naming a test metric: one line, non-zero exit
        line = f"protsweep: error: {err}"
        job.REFUSED.append(line)
        print(line, file=sys.stderr, flush=True)
        return math.nan


def _print_help() -> None:
    """Hydra's ``--help``, listing only real options (no ``*_schema`` entries)."""
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.suppress(SystemExit):
        _hydra_main()
    print(without_schemas(text.getvalue()), end="")


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("USE_TF", "0")  # transformers (used by esm) must never import TensorFlow
    register_schemas(config_dir())
    register_resolvers()
    # conf/hydra/launcher/submitit_local.yaml is meant to be checked against the plugin's schema of that name
    warnings.filterwarnings("ignore", message="(?s).*validated against ConfigStore schema with the same name")
    if printing_only(sys.argv[1:]):  # --cfg/--info run no job and no callback: check the config here
        try:
            check_printed_config(sys.argv[1:])
        except ConfigError as err:
            print(f"protsweep: error: {err}", file=sys.stderr, flush=True)
            sys.exit(2)
    if asks_for_help(sys.argv[1:]):
        _print_help()
        return
    _hydra_main()
    # The exit status comes from the run records on disk (jobs may have run in other processes).
    if job.REFUSED:  # relaunches of another config: their lines are printed; nothing was rewritten
        sys.exit(1)
    outcome = last_outcome()
    if outcome is not None and outcome.failed:
        line = outcome.failure_line()
        if line:
            print(line, file=sys.stderr)
        sys.exit(1)
    if NOT_AGGREGATED:  # every job completed, but the end-of-sweep tables could not be built
        print(NOT_AGGREGATED[-1], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
