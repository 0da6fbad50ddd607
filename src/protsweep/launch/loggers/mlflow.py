"""``logger=mlflow``: one MLflow run per job, by MLflow's conventions.

- experiment: ``logger.experiment``, else the ablation (route) name; in a sweep, the jobs' runs are nested
  under one parent run per sweep folder (:mod:`protsweep.launch.loggers.mlflow_store`), which gets the
  sweep's verdict table at its end (:mod:`protsweep.launch.loggers.sweep_results`);
- params: the composed config, flattened (``trainer.lr_full``...), closed choices by their plain name
  (``trainer.freeze = two_stage``); tags: ``variant``, ``seed``, ``fold``, ``dataset``, ``family``,
  ``weights`` (pretrained | random), ``status``, ``reused_from`` (a reused or skipped job's record);
- metrics: ``<stage>/<column>`` per epoch, sent while training (:class:`MlflowEpochMetrics` hears the job's
  ``on_row``; step = epoch count across stages), then the numbers of metrics.json (``test/auc``...);
- artifacts: the record files, ``.hydra/``, the saved ``model/`` and ``curves.png``.

A job's run is opened when training starts (:meth:`MlflowLogger.live`) and closed from the run record
(:meth:`MlflowLogger.write`); a reused or skipped job, which does not train, gets its whole run at write.
A run that a killed launch of the same job folder left RUNNING is marked KILLED (one line) before the
relaunch opens its own: the relaunch holds the folder's lock, so no live process owns that run.
The default store is ``sqlite:///<outputs>/mlflow.db`` (conf/logger/mlflow.yaml), artifacts beside it in
``mlartifacts/``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from protsweep.aggregate.output import RESULTS_DIR
from protsweep.callbacks import TrainerCallback
from protsweep.errors import ConfigError
from protsweep.launch.loggers.mlflow_store import (
    JOB_DIR_TAG,
    JOB_ROLE,
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_LENGTH,
    MAX_PARAMS_PER_BATCH,
    PARENT_TAG,
    ROLE_TAG,
    STARTED_TAG,
    SWEEP_DIR_TAG,
    chunks,
    dead_job_runs,
    experiment_id,
    logged_before,
    sqlite_path,
    store_lock,
    sweep_parent,
)
from protsweep.launch.loggers.source import (
    RunFiles,
    config_params,
    epoch_metrics,
    final_metrics,
    reused_source,
    row_metrics,
    variant_name,
)
from protsweep.record import RECORD_FILES
from protsweep.record.contract import Status
from protsweep.record.plots import CURVES_PNG
from protsweep.saved import MODEL_DIR

STATUS = {Status.COMPLETED: "FINISHED", Status.FAILED: "FAILED"}
#: Tags a user filters on (``tags.variant = 'head=two_layer'``).
VARIANT_TAG, SEED_TAG, FOLD_TAG, DATASET_TAG, FAMILY_TAG = "variant", "seed", "fold", "dataset", "family"
WEIGHTS_TAG, STATUS_TAG, REUSED_FROM_TAG = "weights", "status", "reused_from"
#: The sweep's verdict table (results/comparisons.csv), also logged to the parent run as an MLflow table.
VERDICT_CSV = "comparisons.csv"
VERDICT_TABLE = "verdicts.json"


def in_sweep() -> bool:
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def weights_tag(run: Mapping[str, Any]) -> str | None:
    """``pretrained`` or ``random`` from run.json's ``pretrained`` (``loaded <path>`` | ``random ...``)."""
    recorded = run.get("pretrained")
    if recorded is None:
        return None
    return "pretrained" if str(recorded).startswith("loaded") else "random"


def job_tags(run_dir: Path, cfg: DictConfig, run: Mapping[str, Any]) -> dict[str, str]:
    """The job run's tags from its config and run.json (absent values left out)."""
    tags = {
        ROLE_TAG: JOB_ROLE,
        JOB_DIR_TAG: str(run_dir),
        SWEEP_DIR_TAG: str(run_dir.parent),
        STARTED_TAG: run.get("started_at"),
        VARIANT_TAG: variant_name(run),
        SEED_TAG: run.get("seed", OmegaConf.select(cfg, "seed", default=None)),
        FOLD_TAG: OmegaConf.select(cfg, "data.cv.fold", default=None),
        DATASET_TAG: OmegaConf.select(cfg, "data.name", default=None),
        FAMILY_TAG: OmegaConf.select(cfg, "model.family", default=None),
        WEIGHTS_TAG: weights_tag(run),
        STATUS_TAG: run.get("status"),
    }
    return {key: str(value) for key, value in tags.items() if value is not None}


class MlflowEpochMetrics(TrainerCallback):
    """Sends each epoch's history row to the job's MLflow run as it is written (live in the UI). The step is
    the row's place in the record's history (``record.history``, rows of a resumed run included); timestamps
    strictly increase. A tracker failure is one warning, never a failed job."""

    def __init__(self, logger: MlflowLogger, run_id: str, record: Any) -> None:
        self.logger, self.run_id, self.record = logger, run_id, record
        self.steps: set[int] = set()
        self.last_ms = 0
        self.broken = False

    def on_row(self, row: Mapping[str, Any]) -> None:
        if self.broken:
            return
        from mlflow.entities import Metric

        step = len(self.record.history)
        self.last_ms = max(int(time.time() * 1000), self.last_ms + 1)
        metrics = [Metric(key, value, self.last_ms, step) for key, value in row_metrics(row).items()]
        try:
            self.logger.log_metrics(self.run_id, metrics)
        except Exception as err:  # the record is the result; the tracker a view of it
            self.broken = True
            print(f"protsweep: warning: logger=mlflow stopped sending epochs: {type(err).__name__}: {err}",
                  file=sys.stderr, flush=True)
            return
        self.steps.add(step)


class MlflowLogger:
    def __init__(
        self,
        name: str = "mlflow",
        tracking_uri: str = "sqlite:///outputs/mlflow.db",
        experiment: str | None = None,
        artifact_location: str | None = None,
        artifacts: bool = True,
    ) -> None:
        try:
            import mlflow  # noqa: F401
        except ImportError as err:
            raise ConfigError("logger=mlflow needs the mlflow package: pip install 'protsweep[track]'") from err
        self.name = name
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.artifact_location = artifact_location
        self.artifacts = artifacts
        self._client: Any = None
        self._live: MlflowEpochMetrics | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from mlflow.tracking import MlflowClient

            with store_lock(self.tracking_uri):  # the first client of a new store creates its schema
                self._client = MlflowClient(self.tracking_uri)
                self._client.search_experiments(max_results=1)
        return self._client

    def _artifact_location(self) -> str | None:
        db = sqlite_path(self.tracking_uri)
        if self.artifact_location is None and db is not None:
            return (db.parent / "mlartifacts").resolve().as_uri()
        return self.artifact_location

    def experiment_name(self, cfg: DictConfig) -> str:
        return self.experiment or str(cfg.ablation.name)

    def experiment_id(self, cfg: DictConfig) -> str:
        with store_lock(self.tracking_uri):
            return experiment_id(self.client, self.experiment_name(cfg), self._artifact_location())

    def log_metrics(self, run_id: str, metrics: list[Any]) -> None:
        with store_lock(self.tracking_uri):
            for batch in chunks(metrics, MAX_METRICS_PER_BATCH):
                self.client.log_batch(run_id, metrics=list(batch))

    def _open_run(self, run_dir: Path, cfg: DictConfig, run: Mapping[str, Any]) -> str:
        """A new job run with its params and tags, nested under the sweep's parent run in a sweep."""
        from mlflow.entities import Param

        experiment = self.experiment_id(cfg)
        tags = job_tags(run_dir, cfg, run)
        with store_lock(self.tracking_uri):
            self._close_dead_runs(experiment, run_dir)
            if in_sweep():
                tags[PARENT_TAG] = str(sweep_parent(self.client, experiment, run_dir.parent))
            run_id = self.client.create_run(experiment, run_name=run_dir.name, tags=tags).info.run_id
            params = [Param(k, v[:MAX_PARAM_LENGTH]) for k, v in config_params(cfg).items()]
            for batch in chunks(params, MAX_PARAMS_PER_BATCH):
                self.client.log_batch(run_id, params=list(batch))
        return run_id

    def _close_dead_runs(self, experiment: str, run_dir: Path) -> None:
        """Mark KILLED the runs an earlier, killed launch of this job left RUNNING (resume or rerun)."""
        for run_id in dead_job_runs(self.client, experiment, run_dir):
            self.client.set_terminated(run_id, status="KILLED")
            print(f"protsweep: note [{run_dir.name}]: logger=mlflow: run {run_id}, left RUNNING by a launch of this "
                  "job that was killed, is marked KILLED", file=sys.stderr, flush=True)

    def live(self, run_dir: Path, cfg: DictConfig, record: Any) -> TrainerCallback:
        """Open the job's run before it trains; the returned callback sends its epochs as they end."""
        self._live = MlflowEpochMetrics(self, self._open_run(run_dir, cfg, RunFiles.read(run_dir).run), record)
        return self._live

    def write(self, run_dir: Path, cfg: DictConfig) -> None:
        """Close the job's run from its record: epochs not sent live, final metrics, tags, artifacts. A job
        that did not train here (reused, or skipped as already completed) gets a whole run, tagged
        ``reused_from``, unless this record was logged before."""
        from mlflow.entities import Metric

        files = RunFiles.read(run_dir)
        tags = job_tags(run_dir, cfg, files.run)
        sent: set[int] = set()
        if self._live is not None:
            run_id, sent = self._live.run_id, self._live.steps
        else:
            with store_lock(self.tracking_uri):
                if logged_before(self.client, self.experiment_id(cfg), run_dir, str(files.run.get("started_at"))):
                    return
            run_id = self._open_run(run_dir, cfg, files.run)
            tags[REUSED_FROM_TAG] = reused_source(files.run) or str(run_dir)
        now = int(time.time() * 1000)
        per_epoch = list(epoch_metrics(files.history))
        metrics = [Metric(k, v, now, step) for step, values in per_epoch if step not in sent for k, v in values.items()]
        last_step = len(per_epoch)
        metrics += [Metric(key, value, now + 1, last_step) for key, value in final_metrics(files.metrics).items()]
        self.log_metrics(run_id, metrics)
        with store_lock(self.tracking_uri):
            for key, value in tags.items():
                self.client.set_tag(run_id, key, value)
            if self.artifacts:
                self._log_artifacts(run_id, run_dir)
            self.client.set_terminated(run_id, status=STATUS.get(files.status, "KILLED"))

    def _log_artifacts(self, run_id: str, run_dir: Path) -> None:
        for name in (*RECORD_FILES, CURVES_PNG):
            if (run_dir / name).is_file():
                self.client.log_artifact(run_id, str(run_dir / name))
        for folder, artifact_path in ((".hydra", "hydra"), (MODEL_DIR, MODEL_DIR)):
            if (run_dir / folder).is_dir():
                self.client.log_artifacts(run_id, str(run_dir / folder), artifact_path=artifact_path)

    def write_sweep(self, sweep_dir: Path, cfg: DictConfig) -> None:
        """Close the sweep's parent run with its results: the ``results/`` tables as artifacts and the
        verdict table (comparisons.csv) as an MLflow table."""
        import pandas as pd

        with store_lock(self.tracking_uri):
            parent = sweep_parent(self.client, self.experiment_id(cfg), sweep_dir, create=False)
            if parent is None:  # no job of this sweep logged
                return
            results = sweep_dir / RESULTS_DIR
            if results.is_dir():
                self.client.log_artifacts(parent, str(results), artifact_path=RESULTS_DIR)
            if (results / VERDICT_CSV).is_file():
                self.client.log_table(parent, data=pd.read_csv(results / VERDICT_CSV), artifact_file=VERDICT_TABLE)
            self.client.set_terminated(parent, status="FINISHED")
