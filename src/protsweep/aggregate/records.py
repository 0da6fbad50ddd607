"""Find and load run records (docs/run-record.md); tolerate missing and corrupt files and say why.

Nothing here raises for a bad run: a run whose files cannot be used gets a status other than
``completed`` and an ``error`` line, and the caller reports it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from .errors import NoRunsError

RUN_JSON = "run.json"
METRICS_JSON = "metrics.json"
PREDICTIONS_CSV = "predictions.csv"
HYDRA_DIR = ".hydra"
MULTIRUN_YAML = "multirun.yaml"
RESULTS_DIR = "results"

# Statuses of a loaded run.
COMPLETED = "completed"
FAILED = "failed"
INCOMPLETE = "incomplete"  # still running, killed, or never wrote run.json
CORRUPT = "corrupt"  # says completed, but a file is missing or unreadable: reported and skipped


@dataclass(frozen=True)
class TestSet:
    """Test predictions of one run, aligned by sorted id."""

    __test__ = False  # not a pytest test class

    ids: NDArray[np.str_]
    labels: NDArray[np.int8]
    probs: NDArray[np.float64]

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha1()
        h.update("\x1f".join(self.ids.tolist()).encode())
        h.update(self.labels.tobytes())
        return h.hexdigest()

    @property
    def n(self) -> int:
        return int(self.ids.size)

    @property
    def n_pos(self) -> int:
        return int(self.labels.sum())


@dataclass
class RunRecord:
    path: Path
    sweep_dir: Path | None
    status: str
    error: str | None = None
    seed: int | None = None
    overrides: list[str] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)  # run.json
    metrics: dict[str, Any] | None = None
    test: TestSet | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.status == COMPLETED and self.test is not None

    @property
    def name(self) -> str:
        """The run's directory relative to its sweep directory (or its own name)."""
        if self.sweep_dir is not None:
            try:
                return str(self.path.relative_to(self.sweep_dir))
            except ValueError:
                pass
        return self.path.name

    @property
    def ended_at(self) -> str:
        return str(self.info.get("ended_at") or "")


def is_run_dir(path: Path) -> bool:
    return (path / HYDRA_DIR / "config.yaml").is_file() or (path / RUN_JSON).is_file()


def discover_run_dirs(paths: list[str | os.PathLike[str]]) -> list[Path]:
    """Every run directory at or below each path (a run directory's own subfolders are not searched)."""
    found: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise NoRunsError(f"{root}: no such directory")
        if not root.is_dir():
            raise NoRunsError(f"{root}: not a directory")
        for dirpath, dirnames, _ in os.walk(root):
            here = Path(dirpath)
            if is_run_dir(here):
                found.append(here)
                dirnames[:] = []
                continue
            # results/ is ours; replaced-<time>/ holds a record set aside by overwrite=true; dot-folders
            # are temporary or Hydra's own.
            dirnames[:] = sorted(
                d for d in dirnames if d != RESULTS_DIR and not d.startswith((".", "replaced-"))
            )
    unique = list(OrderedDict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise NoRunsError(
            f"no run directories under {', '.join(str(p) for p in paths)} "
            "(a run directory holds .hydra/config.yaml or run.json)"
        )
    return unique


def find_sweep_dir(run_dir: Path, max_up: int = 3) -> Path | None:
    """The nearest ancestor holding Hydra's multirun.yaml."""
    current = run_dir.parent
    for _ in range(max_up):
        if (current / MULTIRUN_YAML).is_file():
            return current
        if current.parent == current:
            break
        current = current.parent
    return None


def parse_override(text: str) -> tuple[str, str]:
    """``"+head=two_layer"`` -> ``("head", "two_layer")``; a bare ``"~key"`` gives an empty value."""
    key, _, value = str(text).partition("=")
    return key.lstrip("+~"), value


def overrides_dict(overrides: list[str]) -> dict[str, str]:
    return dict(parse_override(o) for o in overrides)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)  # a safe loader


def _one_line(text: str | None) -> str | None:
    if not text:
        return None
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else None


def load_run(path: Path) -> RunRecord:
    """Load one run directory; problems end up in ``status``/``error``/``warnings``, never raised."""
    rec = RunRecord(path=path, sweep_dir=find_sweep_dir(path), status=INCOMPLETE)
    hydra_dir = path / HYDRA_DIR
    try:
        if (hydra_dir / "config.yaml").is_file():
            cfg = _read_yaml(hydra_dir / "config.yaml")
            rec.config = cfg if isinstance(cfg, dict) else {}
        if (hydra_dir / "overrides.yaml").is_file():
            rec.overrides = [str(o) for o in (_read_yaml(hydra_dir / "overrides.yaml") or [])]
        if (hydra_dir / "hydra.yaml").is_file():
            hy = _read_yaml(hydra_dir / "hydra.yaml") or {}
            choices = ((hy.get("hydra") or {}).get("runtime") or {}).get("choices") or {}
            rec.choices = {str(k): str(v) for k, v in choices.items()}
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
        rec.status = CORRUPT
        rec.error = f".hydra unreadable: {_one_line(str(exc))}"
        return rec

    run_json = path / RUN_JSON
    if not run_json.is_file():
        rec.error = "no run.json (the job did not start or was killed before writing it)"
        rec.seed = _seed_from(rec)
        return rec
    try:
        info = json.loads(run_json.read_text(encoding="utf-8"))
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        rec.status = CORRUPT
        rec.error = f"run.json unreadable: {_one_line(str(exc))}"
        rec.seed = _seed_from(rec)
        return rec
    rec.info = info
    if not rec.overrides and isinstance(info.get("overrides"), list):
        rec.overrides = [str(o) for o in info["overrides"]]
    if not rec.choices and isinstance(info.get("choices"), dict):
        rec.choices = {str(k): str(v) for k, v in info["choices"].items()}
    rec.seed = _seed_from(rec)

    status = str(info.get("status", ""))
    if status == FAILED:
        rec.status = FAILED
        rec.error = (
            _one_line(info.get("error")) or _one_line(info.get("traceback")) or "failed (no error line)"
        )
        return rec
    if status != COMPLETED:
        rec.error = f"run.json says status {status or 'missing'!r} (still running, or killed)"
        return rec

    try:
        metrics = json.loads((path / METRICS_JSON).read_text(encoding="utf-8"))
        if not isinstance(metrics, dict):
            raise ValueError("not a JSON object")
        rec.metrics = metrics
    except FileNotFoundError:
        return _corrupt(rec, "metrics.json missing")
    except (OSError, ValueError) as exc:
        return _corrupt(rec, f"metrics.json unreadable: {_one_line(str(exc))}")

    try:
        rec.test = read_test_predictions(path / PREDICTIONS_CSV)
    except FileNotFoundError:
        return _corrupt(rec, "predictions.csv missing")
    except (OSError, ValueError, KeyError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return _corrupt(rec, f"predictions.csv unusable: {_one_line(str(exc))}")
    rec.status = COMPLETED
    return rec


def _corrupt(rec: RunRecord, message: str) -> RunRecord:
    rec.status = CORRUPT
    rec.error = message
    rec.test = None
    return rec


def _seed_from(rec: RunRecord) -> int | None:
    candidates: list[Any] = []
    if rec.config is not None:
        candidates.append(rec.config.get("seed"))
    candidates.append(rec.info.get("seed"))
    candidates.append(overrides_dict(rec.overrides).get("seed"))
    for value in candidates:
        if value is None or value == "":
            continue
        try:
            return int(value)
        except (TypeError, ValueError):
            continue
    return None


def read_test_predictions(path: Path) -> TestSet:
    """The test rows of predictions.csv, sorted by id; raises ValueError naming what is wrong."""
    frame = pd.read_csv(path, usecols=lambda c: c in {"split", "id", "label", "prob"}, dtype={"id": str})
    missing = {"split", "id", "label", "prob"} - set(frame.columns)
    if missing:
        raise ValueError(f"missing column(s) {', '.join(sorted(missing))}")
    test = frame[frame["split"].astype(str) == "test"]
    if test.empty:
        raise ValueError("no test rows")
    ids = test["id"].astype(str).to_numpy()
    labels = pd.to_numeric(test["label"], errors="coerce").to_numpy(dtype=np.float64)
    probs = pd.to_numeric(test["prob"], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(labels).any() or not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("test labels must be 0/1")
    if not np.isfinite(probs).all():
        raise ValueError(f"{int((~np.isfinite(probs)).sum())} test prob value(s) missing or not finite")
    if len(set(ids.tolist())) != ids.size:
        raise ValueError("duplicate test ids")
    order = np.argsort(ids, kind="stable")
    return TestSet(ids=ids[order], labels=labels[order].astype(np.int8), probs=probs[order])


def test_set_difference(a: TestSet, b: TestSet) -> str:
    """Why two test sets differ, in a few words (empty string when they are the same)."""
    if a.ids.size == b.ids.size and np.array_equal(a.ids, b.ids):
        n_diff = int((a.labels != b.labels).sum())
        return f"labels differ for {n_diff} id(s)" if n_diff else ""
    only_a = np.setdiff1d(a.ids, b.ids).size
    only_b = np.setdiff1d(b.ids, a.ids).size
    return f"ids differ (n={a.n} vs n={b.n}; {only_a} only in the first, {only_b} only in the second)"


# ---------------------------------------------------------------------------------------------------
# Expected jobs of a sweep, from Hydra's multirun.yaml (the basic sweeper's cartesian product)


def expected_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """The override list of every job the sweep launches, or None if it cannot be worked out.

    Mirrors Hydra's BasicSweeper: ``hydra.sweeper.params`` then the task overrides, later keys
    replacing earlier ones in place, and the cartesian product of the sweep values.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        data = _read_yaml(sweep_dir / MULTIRUN_YAML) or {}
        hydra_cfg = data.get("hydra") or {}
        params = (hydra_cfg.get("sweeper") or {}).get("params") or {}
        task = (hydra_cfg.get("overrides") or {}).get("task") or []
        args = [f"{k}={v}" for k, v in params.items()] + [str(t) for t in task]  # as Hydra does
        parsed = OverridesParser.create().parse_overrides(args)
        per_key: OrderedDict[str, list[str]] = OrderedDict()
        for override in parsed:
            key = override.get_key_element()
            if override.is_sweep_override():
                if not override.is_discrete_sweep():
                    return None
                per_key[key] = [f"{key}={v}" for v in override.sweep_string_iterator()]
            else:
                per_key[key] = [f"{key}={override.get_value_element_as_str()}"]
    except Exception:  # any unreadable or unparsable multirun.yaml: expectations are simply unknown
        return None
    jobs: list[list[str]] = [[]]
    for values in per_key.values():
        jobs = [[*job, v] for job in jobs for v in values]
    return jobs
