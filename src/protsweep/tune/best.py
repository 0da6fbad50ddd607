"""The tuned value, carried into a follow-up variant: a study's sweep folder gets ``tuned/best.yaml``.

``best.yaml`` is an option of the ``tuned`` group (``# @package _global_``): the best trial's parameters as
config keys, and ``tune.study`` naming the study's folder. ``protsweep -cd <study folder> sweep=tuned`` puts the
folder on Hydra's search path, and the ``tuned`` sweep runs ``tuned=best`` against ``tuned=none`` (the
baseline), seeds 0-4, with the test split used for the first time.

Also here: ``${tune_storage:<name>}``, the persistent study's storage URL (SQLite under ``outputs/tune/``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from protsweep.atomic import write_text_atomic

#: what Hydra's Optuna sweeper writes into the sweep folder at the end of a study
OPTUNA_RESULTS = "optimization_results.yaml"
#: the follow-up's option, relative to the study's sweep folder (the ``tuned`` group's ``best``)
BEST_YAML = Path("tuned") / "best.yaml"
#: where persistent studies live (one SQLite file per study name)
STUDY_ROOT = Path("outputs") / "tune"


def tune_storage(name: str) -> str:
    """``${tune_storage:${ablation.name}}``: ``sqlite:///outputs/tune/<name>.db`` (the folder made here), so
    rerunning the same tuning command adds trials to the same study."""
    STUDY_ROOT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(STUDY_ROOT / f'{name}.db').as_posix()}"


def _relative(path: Path, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def best_option(best_params: dict[str, Any], study: str, tune: dict[str, Any], value: float) -> str:
    """The text of ``best.yaml``: a ``_global_`` option setting the best trial's parameters."""
    node = OmegaConf.create({})
    for key, param in best_params.items():
        OmegaConf.update(node, str(key).lstrip("+"), param, force_add=True)
    OmegaConf.update(node, "tune.study", study, force_add=True)
    seeds = tune.get("seeds") or "the job's seed"
    header = (
        "# @package _global_\n"
        f"# Tuned on the validation split only: {tune.get('metric')} (mean over seeds {seeds}) = {value:.6g},\n"
        f"# best trial of the study in {study}. Run it against the baseline: protsweep -cd {study} sweep=tuned\n"
    )
    return header + OmegaConf.to_yaml(node)


class WriteTunedBest(Callback):
    """At the end of a tuning sweep: ``tuned/best.yaml`` from the sweeper's ``optimization_results.yaml``."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        results_file = sweep_dir / OPTUNA_RESULTS
        if not results_file.is_file():
            return
        results = OmegaConf.to_container(OmegaConf.load(results_file))
        if "best_params" not in results:  # a multi-objective study: no single best to carry forward
            return
        study = _relative(sweep_dir, Path(str(config.hydra.runtime.cwd)))
        tune = OmegaConf.to_container(config.tune, resolve=True)
        text = best_option(results["best_params"], study, tune, float(results["best_value"]))
        write_text_atomic(sweep_dir / BEST_YAML, text)
        print(f"protsweep: tuned on {tune['metric']}: {results['best_params']} -> {sweep_dir / BEST_YAML}; "
              f"run it against the baseline: protsweep -cd {study} sweep=tuned", flush=True)


#: what the follow-up sweep (``sweep=tuned``) writes beside its results: where the tuned arm came from
TUNED_NOTE = Path("tuned.md")  # beside results/ (which the aggregator owns and replaces as a whole)


class NoteTunedVariant(Callback):
    """At the end of ``sweep=tuned``: one line, printed and in the sweep folder's ``tuned.md``, saying that the
    ``best`` arm was tuned on the validation split only (the header of the study's ``best.yaml``)."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        # the study folder is on the search path (-cd); its best.yaml is the `best` arm
        folders = [str(src.path) for src in config.hydra.runtime.config_sources if src.schema == "file"]
        best = next((Path(f) / BEST_YAML for f in folders if (Path(f) / BEST_YAML).is_file()), None)
        if best is None:
            return
        header = [line.lstrip("# ").strip() for line in best.read_text().splitlines()[1:3] if line.startswith("#")]
        line = f"tuned=best: {' '.join(header).split('. Run it')[0]}"
        write_text_atomic(Path(str(config.hydra.sweep.dir)) / TUNED_NOTE, line + "\n")
        print(f"protsweep: {line}", flush=True)
