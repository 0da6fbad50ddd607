"""Each variant against the baseline: paired t-tests over matching seeds, ensembles at equal K, Holm."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .bootstrap import percentile_ci
from .columns import COMPARISON_COLUMNS, HOLM_P_COLUMNS, METRICS
from .delong import delong_paired
from .ensembles import Ensemble, EnsembleCache
from .metrics import auc_edge_eps
from .selection import Chosen
from .stat_tests import bounded_t_summary, holm, paired_ttest
from .variant import Variant

# Per variant and seed: metric -> value on the test set.
PerSeed = dict[str, dict[int, dict[str, float]]]


def seed_list(seeds: set[int] | list[int] | tuple[int, ...]) -> str:
    return ",".join(str(s) for s in sorted(seeds))


def _add_note(row: dict[str, Any], note: str) -> None:
    row["note"] = f"{row['note']}; {note}" if row["note"] else note


def _seed_deltas(row: dict[str, Any], a: list[float], b: list[float], metric: str, eps: float) -> None:
    """Paired t-test on the raw differences; the interval on Fisher's z scale stays within [-1, 1]."""
    t = paired_ttest(a, b)
    ci = bounded_t_summary(np.subtract(a, b), -1.0, 1.0, eps=eps)
    row |= {
        f"delta_{metric}": t.delta.mean,
        f"delta_{metric}_sd": t.delta.sd,
        f"delta_{metric}_ci_lo": ci.ci_lo,
        f"delta_{metric}_ci_hi": ci.ci_hi,
        f"t_{metric}": t.t,
        f"p_{metric}": t.p_value,
    }


def _ensemble_deltas(row: dict[str, Any], ens_v: Ensemble, ens_b: Ensemble, labels: np.ndarray) -> None:
    for m in METRICS:
        row[f"ens_{m}"], row[f"ens_{m}_base"] = ens_v.point[m], ens_b.point[m]
        row[f"ens_delta_{m}"] = ens_v.point[m] - ens_b.point[m]
        row[f"ens_delta_{m}_lo"], row[f"ens_delta_{m}_hi"] = percentile_ci(ens_v.boot[m] - ens_b.boot[m])
    try:
        dl = delong_paired(labels, ens_v.probs, ens_b.probs)
        row |= {"delong_z": dl.z, "delong_var": dl.var, "p_delong": dl.p_value}
    except ValueError as exc:
        _add_note(row, f"DeLong: {exc}")


def compare_to_baseline(
    variants: list[Variant], base: Variant | None, chosen: Chosen, per_seed: PerSeed, ensembles: EnsembleCache
) -> pd.DataFrame:
    """One row per non-baseline variant; Holm across the variants, once per test."""
    if base is None:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    rows: list[dict[str, Any]] = []
    base_seeds = set(chosen.get(base.key, {}))
    for v in variants:
        if v is base:
            continue
        common = tuple(sorted(set(chosen.get(v.key, {})) & base_seeds))
        row: dict[str, Any] = {c: math.nan for c in COMPARISON_COLUMNS}
        row |= {"variant": v.label, "baseline": base.label, "k": len(common), "seeds": seed_list(common), "note": ""}
        if not common:
            row["note"] = "no seed completed by both this variant and the baseline"
            rows.append(row)
            continue
        for m in METRICS:
            a = [per_seed[v.key][s][m] for s in common]
            b = [per_seed[base.key][s][m] for s in common]
            _seed_deltas(row, a, b, m, auc_edge_eps(ensembles.boot.labels))
        if len(common) < 2:
            row["note"] = "one matching seed: no paired t-test"
        degenerate = [f"{w.label} seed {s}" for w in (v, base) for s in common if chosen[w.key][s].degenerate]
        if degenerate:
            _add_note(row, "includes degenerate run(s): " + ", ".join(degenerate))
        _ensemble_deltas(row, ensembles.get(v, common), ensembles.get(base, common), ensembles.boot.labels)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for col in HOLM_P_COLUMNS:
        frame[f"{col}_holm"] = holm(frame[col].to_numpy(dtype=np.float64)) if len(frame) else []
    return frame
