"""``tune``: what the task returns to a sweeper that optimises (hydra/sweeper=optuna)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TuneConfig:
    """``tune.metric``: the objective, ``<split>_<metric>`` of ``metrics.json`` (e.g. ``valid_auc``,
    ``valid_auprc``); only the ``valid`` split may be tuned on (a test metric is refused, one line).
    ``tune.seeds``: a trial's seeds; the objective is the seed-mean, each seed a job folder ``seed=<s>`` inside
    the trial's folder. Empty: the trial is the one job of its folder, at ``seed``.
    ``tune.study``: set by a study's ``tuned/best.yaml``: the study folder the tuned value came from (relative
    to the working directory), recorded in the follow-up runs' config."""

    metric: str = "valid_auc"
    seeds: list[int] = field(default_factory=list)
    study: str | None = None
