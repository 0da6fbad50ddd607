"""The ``protsweep`` command: a thin Hydra entry point. All work happens in :mod:`protsweep.job`."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
from collections.abc import Sequence

import hydra
from omegaconf import DictConfig, OmegaConf

from protsweep import job
from protsweep.aggregate.callback import NOT_AGGREGATED
from protsweep.errors import ConfigError
from protsweep.integrity.checks import check_sweep_name
from protsweep.keypolicy import result_overrides
from protsweep.launch.cfg_check import asks_for_help, check_printed_config, printing_only, without_schemas
from protsweep.launch.monitor import last_outcome
from protsweep.schema import config_dir, register_schemas


def job_dirname(overrides: str | Sequence[str], max_length: int = 200) -> str:
    """A job's directory name from its overrides (``${job_dirname:${hydra.overrides.task}}``): the override
    lines that can change a result (the key policy, :mod:`protsweep.keypolicy`), sorted and joined by ',' as
    Hydra's ``override_dirname`` joins them; '/' in values (paths) is escaped as %2F, and a name too long for
    the file system keeps its head plus a hash of the whole. A string is taken as already joined."""
    if not isinstance(overrides, str):
        overrides = ",".join(sorted(result_overrides(str(o) for o in overrides)))
    name = overrides.replace("%", "%25").replace("/", "%2F") or "default"
    if len(name) > max_length:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[: max_length - 11]}~{digest}"
    return name


def sweep_name(name: str) -> str:
    """``${sweep_name:${ablation.name}}`` in the sweep dir: the name, refused if it would leave outputs/sweeps/.

    Hydra resolves the sweep dir (and creates it) before any job runs, and reports a resolver's exception
    with a traceback; so a bad name ends the command here, as one line, before anything is created."""
    try:
        check_sweep_name(str(name))
    except ConfigError as err:
        print(f"protsweep: error: {err}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    return str(name)


def _register_resolvers() -> None:
    # The process id joins the microsecond timestamp in sweep directories, so two sweeps started at
    # the same instant by two processes still get two directories.
    OmegaConf.register_new_resolver("pid", lambda: os.getpid(), use_cache=True, replace=True)
    OmegaConf.register_new_resolver("job_dirname", job_dirname, replace=True)
    OmegaConf.register_new_resolver("sweep_name", sweep_name, replace=True)


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    job.run(cfg)


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
    _register_resolvers()
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
