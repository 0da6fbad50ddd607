"""Split sizes of the counted runs (train from run.json, valid and test from predictions.csv), the
small-sample warnings, and what a cold split kept."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .columns import SPLIT_COLUMNS
from .records import LoadedRun
from .selection import Chosen
from .variant import Variant

DEFAULT_MIN_CLASS_COUNT = 10
SPLIT_ORDER = ("train", "valid", "test")
ALL_VARIANTS = "all"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def run_split_counts(rec: LoadedRun) -> dict[str, tuple[int, int, str]]:
    """split -> (n, positives, source) for one run; the predictions win over run.json."""
    out: dict[str, tuple[int, int, str]] = {}
    for name, counts in rec.split_counts.items():
        n, pos = (_int(counts.get(k)) for k in ("n", "pos")) if isinstance(counts, dict) else (None, None)
        if n is not None and pos is not None:
            out[str(name)] = (n, pos, "run.json")
    for name, pred in (("valid", rec.valid), ("test", rec.test)):
        if pred is not None:
            out[name] = (pred.n, pred.n_pos, "predictions.csv")
    return out


def split_frame(variants: list[Variant], chosen: Chosen, min_class_count: int) -> pd.DataFrame:
    """One row per split and distinct size (usually one per split: every seed shares the split)."""
    seen: dict[tuple[str, int, int, str], list[str]] = {}
    labels = [v.label for v in variants if chosen.get(v.key)]
    for v in variants:
        for rec in chosen.get(v.key, {}).values():
            for name, (n, pos, source) in run_split_counts(rec).items():
                owners = seen.setdefault((name, n, pos, source), [])
                if v.label not in owners:
                    owners.append(v.label)
    rows = [
        {
            "split": name,
            "n": n,
            "pos": pos,
            "neg": n - pos,
            "small": min(pos, n - pos) < min_class_count,
            "variants": ALL_VARIANTS if owners == labels else ";".join(owners),
            "source": source,
        }
        for (name, n, pos, source), owners in seen.items()
    ]
    rank = {s: i for i, s in enumerate(SPLIT_ORDER)}
    rows.sort(key=lambda r: (rank.get(r["split"], len(rank)), r["split"], r["n"]))
    return pd.DataFrame(rows, columns=SPLIT_COLUMNS)


def small_split_warnings(splits: pd.DataFrame, min_class_count: int) -> list[str]:
    """A line per split with fewer positives or negatives than ``min_class_count``."""
    out = []
    for r in splits[splits["small"]].itertuples():
        where = "" if r.variants == ALL_VARIANTS else f" (variants {r.variants})"
        out.append(
            f"small {r.split} split{where}: {r.pos} positive(s), {r.neg} negative(s) of {r.n}, fewer than "
            f"{min_class_count} of a class (report.min_class_count): AUC/AUPRC intervals and tests on it "
            "are unreliable"
        )
    return out


def cold_split_notes(runs: list[LoadedRun]) -> list[str]:
    """What each distinct cold split kept: pairs and positives per split, pairs dropped."""
    notes: list[str] = []
    for rec in runs:
        data = rec.info.get("data") or {}
        split = data.get("split") if isinstance(data, dict) else None
        if not isinstance(split, dict) or split.get("method") != "cold":
            continue
        kept = ", ".join(
            f"{name} {n} pairs ({pos} positive)"
            for name, (n, pos, _) in run_split_counts(rec).items()
            if name in SPLIT_ORDER
        )
        note = (
            f"cold split (no protein in two splits): kept {split.get('kept_pairs', '?')} pairs, dropped "
            f"{split.get('dropped_pairs', '?')} that straddled two splits; {kept}"
        )
        if note not in notes:
            notes.append(note)
    return notes
