"""``logger=tensorboard``: per-epoch scalars and an hparams entry with the final metrics, in the job's folder.

``tensorboard --logdir <sweep dir>`` then shows every job of the sweep, one run per job; in the HParams
dashboard each job is a session of its variant's group (the seeds and folds of one variant together, so
TensorBoard aggregates over them), with numeric hparams as numbers. Jobs reused from an earlier run or
skipped as completed are written too. Written with
TensorBoard's own event writer (the ``tensorboard`` package), so neither TensorFlow nor torch is needed.
"""

from __future__ import annotations

import time
from pathlib import Path

from omegaconf import DictConfig

from protsweep.errors import ConfigError
from protsweep.launch.loggers.source import RunFiles, epoch_metrics, final_metrics, run_hparams, variant_name


class TensorBoardLogger:
    def __init__(self, name: str = "tensorboard", log_dir: str = "tensorboard") -> None:
        try:
            import tensorboard  # noqa: F401
        except ImportError as err:
            needs = "logger=tensorboard needs the tensorboard package: pip install 'protsweep[track]'"
            raise ConfigError(needs) from err
        self.name = name
        self.log_dir = log_dir

    def write(self, run_dir: Path, cfg: DictConfig) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.hparams import summary_v2 as hp
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        files = RunFiles.read(run_dir)
        out = run_dir / self.log_dir
        for old in out.glob("events.out.tfevents.*"):  # a rerun replaces the view of the earlier record
            old.unlink()
        writer = EventFileWriter(str(out))

        def emit(summary: summary_pb2.Summary, step: int) -> None:
            writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))

        def scalars(values: dict[str, float], step: int) -> None:
            value = [summary_pb2.Summary.Value(tag=tag, simple_value=v) for tag, v in values.items()]
            emit(summary_pb2.Summary(value=value), step)

        last = 0
        for last, values in epoch_metrics(files.history):
            scalars(values, last)
        final = final_metrics(files.metrics)
        hparams = run_hparams(files.run)
        emit(hp.hparams_config_pb([hp.HParam(k) for k in hparams], [hp.Metric(k) for k in final]), 0)
        emit(hp.hparams_pb(hparams, trial_id=variant_name(files.run)), 0)  # the session group
        scalars(final, last)
        writer.close()

