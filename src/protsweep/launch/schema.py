"""Schemas of the ``logger`` and ``resources`` groups' options; :func:`protsweep.schema.register_schemas`
stores them with the others."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protsweep.launch.resources import ResourcesConfig


@dataclass
class NoLoggerConfig:
    name: str = "none"


@dataclass
class TensorBoardLoggerConfig:
    _target_: str = "protsweep.launch.loggers.tensorboard.TensorBoardLogger"
    name: str = "tensorboard"
    log_dir: str = "tensorboard"  # inside each job's folder: `tensorboard --logdir <sweep dir>` shows every job


@dataclass
class MlflowLoggerConfig:
    _target_: str = "protsweep.launch.loggers.mlflow.MlflowLogger"
    name: str = "mlflow"
    tracking_uri: str = "sqlite:///outputs/mlflow.db"
    experiment: str | None = None  # default: <ablation.name> (one experiment per route; a parent run per sweep)
    artifact_location: str | None = None  # default for a sqlite store: mlartifacts/ beside the database
    artifacts: bool = True  # log the record files, .hydra/, model/ and curves.png as artifacts


SCHEMAS: dict[tuple[str | None, str], Any] = {
    ("logger", "none_logger_schema"): NoLoggerConfig,
    ("logger", "tensorboard_logger_schema"): TensorBoardLoggerConfig,
    ("logger", "mlflow_logger_schema"): MlflowLoggerConfig,
    ("resources", "resources_schema"): ResourcesConfig,
}

