"""Write run records as docs/run-record.md describes them, independently of the aggregator's code.

A module with a unique name (not conftest) so that tests can import it whatever other conftest files exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import average_precision_score, roc_auc_score

BASE_CONFIG: dict[str, Any] = {
    "model": {"name": "proteinbert_tiny", "seq_len": 48},
    "data": {"name": "amp_modlamp", "valid_fraction": 0.1},
    "trainer": {"epochs": 3, "lr": 0.001},
    "head": {"name": "default", "hidden": 0},
    "seed": 0,
    "deterministic": True,
    "overwrite": False,
    "ablation": {"name": "head", "factor": "head", "baseline": {"head": "default"}},
    "reference": {
        "label": "Exp5 / Exp8 (earlier notebooks)",
        "auc_mean": 0.8809,
        "auprc_mean": 0.5818,
        "ensemble_auc": 0.8959,
        "ensemble_auprc": 0.6009,
    },
    "paths": {"cache_dir": "outputs/cache"},
}

HEADS = {
    "default": {"name": "default", "hidden": 0},
    "two_layer": {"name": "two_layer", "hidden": 64},
    "wide": {"name": "wide", "hidden": 512},
}


def _dump_yaml(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")


def write_run(
    sweep_dir: Path,
    overrides: list[str],
    *,
    seed: int,
    test_probs: np.ndarray | None,
    test_labels: np.ndarray,
    test_ids: Iterable[str] | None = None,
    config: dict[str, Any] | None = None,
    choices: dict[str, str] | None = None,
    status: str = "completed",
    error: str | None = None,
    corrupt_metrics: bool = False,
    drop_predictions: bool = False,
    subdir: str | None = None,
    metrics_override: dict[str, Any] | None = None,
    valid_effect: float = 0.3,
    info_extra: dict[str, Any] | None = None,
) -> Path:
    """One Hydra job directory with a complete (or deliberately broken) run record."""
    name = subdir or ",".join(o for o in overrides if not o.startswith("sweep="))
    run_dir = sweep_dir / name
    cfg = json.loads(json.dumps(config or BASE_CONFIG))
    cfg["seed"] = seed
    _dump_yaml(run_dir / ".hydra" / "config.yaml", cfg)
    _dump_yaml(run_dir / ".hydra" / "overrides.yaml", list(overrides))
    ch = choices or {
        "model": "proteinbert_tiny",
        "data": "amp_modlamp",
        "head": cfg["head"]["name"],
        "hydra/launcher": "basic",
    }
    _dump_yaml(
        run_dir / ".hydra" / "hydra.yaml", {"hydra": {"runtime": {"choices": ch}, "job": {"name": "app"}}}
    )
    run_info: dict[str, Any] = {
        "status": status,
        "error": error,
        "traceback": f"Traceback (most recent call last):\n  ...\n{error}" if error else None,
        "started_at": "2026-11-21T05:40:01+00:00",
        "ended_at": None if status == "running" else f"2026-11-21T06:{seed:02d}:00+00:00",
        "wall_seconds": {"total": 12.5},
        "seed": seed,
        "model_family": "proteinbert",
        "overrides": list(overrides),
        "choices": ch,
        "ablation": cfg.get("ablation"),
        **(info_extra or {}),
    }
    if status == "completed":
        y = np.asarray(test_labels)
        ids = list(test_ids) if test_ids is not None else [f"t{i:05d}" for i in range(y.size)]
        rng = np.random.default_rng(1000 + seed)
        n_valid = 20
        valid_y = np.r_[np.ones(5, int), np.zeros(n_valid - 5, int)]
        valid_p = np.clip(valid_effect * valid_y + rng.random(n_valid) * 0.7, 0, 1)
        frame = pd.concat(
            [
                pd.DataFrame(
                    {
                        "split": "valid",
                        "id": [f"v{i:05d}" for i in range(n_valid)],
                        "sequence": "ACDE",
                        "label": valid_y,
                        "prob": valid_p,
                    }
                ),
                pd.DataFrame(
                    {"split": "test", "id": ids, "sequence": "KLMN", "label": y, "prob": test_probs}
                ),
            ]
        )
        # Row order is not meaningful: shuffle so that the aggregator must align by id.
        frame = frame.sample(frac=1.0, random_state=seed)
        if not drop_predictions:
            frame.to_csv(run_dir / "predictions.csv", index=False)
        metrics = {
            "test": {
                "auc": roc_auc_score(y, test_probs),
                "auprc": average_precision_score(y, test_probs),
                "n": int(y.size),
                "pos_rate": float(y.mean()),
            },
            "valid": {
                "auc": roc_auc_score(valid_y, valid_p),
                "auprc": average_precision_score(valid_y, valid_p),
                "n": n_valid,
                "pos_rate": float(valid_y.mean()),
            },
            "best_epoch": 2,
            "epochs_run": 3,
        }
        if metrics_override:
            metrics |= metrics_override
        text = json.dumps(metrics)
        (run_dir / "metrics.json").write_text(text[: len(text) // 2] if corrupt_metrics else text)
    (run_dir / "run.json").write_text(json.dumps(run_info, indent=2))
    return run_dir


def write_multirun(sweep_dir: Path, task: list[str], params: dict[str, str] | None = None) -> None:
    sweep_dir.mkdir(parents=True, exist_ok=True)
    _dump_yaml(
        sweep_dir / "multirun.yaml",
        {
            "hydra": {
                "sweep": {"dir": str(sweep_dir), "subdir": "${hydra.job.override_dirname}"},
                "sweeper": {
                    "_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                    "max_batch_size": None,
                    "params": params,
                },
                "overrides": {"hydra": ["hydra.mode=MULTIRUN"], "task": task},
            },
            **BASE_CONFIG,
        },
    )


def synthetic_labels(n: int = 300, pos_rate: float = 0.2, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < pos_rate).astype(int)
    y[:2] = 1
    y[2:4] = 0
    return y


def synthetic_probs(labels: np.ndarray, effect: float, seed: int, shared_noise_seed: int = 11) -> np.ndarray:
    """Scores with a per-example difficulty shared by all runs (so runs correlate, as real models do)."""
    y = np.asarray(labels)
    shared = np.random.default_rng(shared_noise_seed).normal(size=y.size)
    own = np.random.default_rng(seed).normal(size=y.size)
    z = effect * y + 0.8 * shared + 0.6 * own
    return np.round(1.0 / (1.0 + np.exp(-z)), 6)


def make_head_sweep(
    root: Path,
    effects: dict[str, float] | None = None,
    seeds: Iterable[int] = range(5),
    n: int = 300,
    skip: Callable[[str, int], bool] = lambda head, seed: False,
    fail: Callable[[str, int], str | None] = lambda head, seed: None,
    with_multirun: bool = True,
    labels: np.ndarray | None = None,
    valid_effects: dict[str, float] | None = None,
    config_update: dict[str, Any] | None = None,
    info_extra: dict[str, Any] | None = None,
) -> Path:
    """A sweep dir like ``outputs/sweeps/head/<ts>/``: one job per head per seed. ``valid_effects``: the
    validation signal per head (default: in step with the test effect)."""
    effects = effects if effects is not None else {"default": 1.6, "two_layer": 2.2}
    seeds = list(seeds)
    sweep_dir = root / "outputs" / "sweeps" / "head" / "2026-11-21_05-40-00-000000_p1"
    sweep_dir.mkdir(parents=True, exist_ok=True)
    if with_multirun:
        write_multirun(
            sweep_dir, ["sweep=head", f"head={','.join(effects)}", f"seed={','.join(map(str, seeds))}"]
        )
    y = labels if labels is not None else synthetic_labels(n)
    for head, effect in effects.items():
        cfg = json.loads(json.dumps(BASE_CONFIG)) | json.loads(json.dumps(config_update or {}))
        cfg["head"] = HEADS[head]
        for s in seeds:
            if skip(head, s):
                continue
            err = fail(head, s)
            overrides = ["sweep=head", f"head={head}", f"seed={s}"]
            probs = synthetic_probs(y, effect, seed=100 * s + len(head))
            write_run(
                sweep_dir,
                overrides,
                seed=s,
                test_probs=probs,
                test_labels=y,
                config=cfg,
                status="failed" if err else "completed",
                error=err,
                valid_effect=(valid_effects or {}).get(head, 0.15 * effect),
                info_extra=info_extra,
            )
    return sweep_dir


def ece_written_out(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Equal-width-bin ECE written out with explicit bin edges, the last bin closed at 1 (docs/run-record.md's
    definition; an independent check of the aggregator's)."""
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for b in range(n_bins):
        inside = (p >= edges[b]) & ((p < edges[b + 1]) if b < n_bins - 1 else (p <= 1))
        if inside.any():
            total += inside.sum() * abs(y[inside].mean() - p[inside].mean())
    return total / y.size
