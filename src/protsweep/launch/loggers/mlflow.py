"""``logger=mlflow``: one MLflow run per job, grouped by sweep, written from the run record at job end.

- experiment: ``logger.experiment``, else ``<ablation.name>/<sweep dir name>`` (single runs: ``<ablation.name>/runs``);
- params: the composed config, flattened (``trainer.lr_full``...); tags: status, job folder, sweep folder;
- metrics: ``<stage>/<column>`` per epoch from history.csv (step = epoch count across stages), and the
  numbers of metrics.json (``test/auc``...);
- artifacts: the record files and ``.hydra/``.

The default store is ``sqlite:///<outputs>/mlflow.db`` (see conf/logger/mlflow.yaml), with artifacts beside
it in ``mlartifacts/``. Parallel jobs take turns on a SQLite store through a file lock beside it.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from protsweep.errors import ConfigError
from protsweep.launch.loggers.source import RunFiles, config_params, epoch_metrics, final_metrics
from protsweep.record import RECORD_FILES
from protsweep.record.contract import Status

SQLITE = "sqlite:///"
MAX_PARAMS_PER_BATCH = 100  # MLflow's limits for one log_batch call
MAX_METRICS_PER_BATCH = 1000
MAX_PARAM_LENGTH = 6000
STATUS = {Status.COMPLETED: "FINISHED", Status.FAILED: "FAILED"}
T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sqlite_path(uri: str) -> Path | None:
    return Path(uri[len(SQLITE) :]) if uri.startswith(SQLITE) else None


@contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """Serialise writers of one SQLite store (schema creation and experiment creation race otherwise)."""
    db = sqlite_path(uri)
    if db is None:
        yield
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{db}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def default_experiment(cfg: DictConfig, run_dir: Path) -> str:
    multirun = HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
    return f"{cfg.ablation.name}/{run_dir.parent.name if multirun else 'runs'}"


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

    def _artifact_location(self) -> str | None:
        db = sqlite_path(self.tracking_uri)
        if self.artifact_location is None and db is not None:
            return (db.parent / "mlartifacts").resolve().as_uri()
        return self.artifact_location

    def _experiment_id(self, client: Any, name: str) -> str:
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        return client.create_experiment(name, artifact_location=self._artifact_location())

    def write(self, run_dir: Path, cfg: DictConfig) -> None:
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient

        files = RunFiles.read(run_dir)
        params = [Param(k, v[:MAX_PARAM_LENGTH]) for k, v in config_params(cfg).items()]
        now = int(time.time() * 1000)
        per_epoch = epoch_metrics(files.history)
        metrics = [Metric(key, value, now, step) for step, values in per_epoch for key, value in values.items()]
        last_step = max((m.step for m in metrics), default=0)
        metrics += [Metric(key, value, now, last_step) for key, value in final_metrics(files.metrics).items()]
        tags = {
            "protsweep.status": files.status,
            "protsweep.job_dir": str(run_dir),
            "protsweep.sweep_dir": str(run_dir.parent),
        }

        with store_lock(self.tracking_uri):
            client = MlflowClient(self.tracking_uri)
            experiment_id = self._experiment_id(client, self.experiment or default_experiment(cfg, run_dir))
            run_id = client.create_run(experiment_id, run_name=run_dir.name, tags=tags).info.run_id
            for batch in chunks(params, MAX_PARAMS_PER_BATCH):
                client.log_batch(run_id, params=list(batch))
            for batch in chunks(metrics, MAX_METRICS_PER_BATCH):
                client.log_batch(run_id, metrics=list(batch))
            if self.artifacts:
                for name in RECORD_FILES:
                    if (run_dir / name).is_file():
                        client.log_artifact(run_id, str(run_dir / name))
                if (run_dir / ".hydra").is_dir():
                    client.log_artifacts(run_id, str(run_dir / ".hydra"), artifact_path="hydra")
            client.set_terminated(run_id, status=STATUS.get(files.status, "KILLED"))
