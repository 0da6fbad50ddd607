"""``protsweep-predict``: score new sequences (or pairs) with a run's saved model, or with the seed ensemble of
one variant of a sweep (the mean of the seeds' probabilities, as the aggregator's ensemble).

    protsweep-predict outputs/runs/<ts> --input new.fasta --out scores.csv
    protsweep-predict outputs/sweeps/head/<ts> --variant head=two_layer --input new.csv --out scores.csv

The CSV holds ``id, sequence`` (pairs add ``id_a, id_b``), ``label`` when the input has one, then ``prob``
(calibrated, the mean over seeds) and ``prob_raw`` (the model's probability, the mean over seeds: what AUC
uses), then each seed's ``prob_seed<N>`` and ``prob_raw_seed<N>``. For a run's own test split these equal
its predictions.csv. With labels, AUC and AUPRC with stratified bootstrap intervals are printed (the
aggregator's functions). TensorFlow is imported only for ProteinBERT models, torch only for Siamese ones.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra.utils import get_class
from omegaconf.errors import OmegaConfBaseException
from tqdm import tqdm

from protsweep.aggregate.bootstrap import DEFAULT_N_BOOT, StratifiedBootstrap, percentile_ci
from protsweep.aggregate.formatting import fmt_value_ci
from protsweep.aggregate.mc_error import mc_error_line, percentile_ci_mc_error
from protsweep.aggregate.metrics import auc_auprc
from protsweep.aggregate.saved_runs import select_runs
from protsweep.calibration.calibrators import Calibrator
from protsweep.errors import ProtsweepError
from protsweep.family import families
from protsweep.family import family as family_of
from protsweep.launch.resources import thread_env
from protsweep.record.contract import PROB_COLUMN, RAW_SCORE_COLUMN, raw_name
from protsweep.record.metrics import is_degenerate
from protsweep.saved.guard import trusted_card
from protsweep.saved.inputs import InputColumns, read_inputs
from protsweep.saved.out_path import check_out, write_out
from protsweep.saved.residues import POLICIES, ResiduePolicy
from protsweep.saved.threads import predict_threads

PROG = "protsweep-predict"
EXIT_USER_ERROR = 2
#: inputs at least this long show a progress bar (when stderr is a terminal, or with --progress always)
PROGRESS_MIN = 256


def seed_column(seed: int, raw: bool = False) -> str:
    """``prob_seed3`` / ``prob_raw_seed3``."""
    return f"{raw_name(PROB_COLUMN) if raw else PROB_COLUMN}_seed{seed}"


def ensemble_frame(inputs: pd.DataFrame, raw: dict[int, np.ndarray], calibrated: dict[int, np.ndarray]) -> pd.DataFrame:
    """The output table: the inputs' id/sequence/pair/label columns, the ensemble's ``prob`` and ``prob_raw``
    (means over seeds), then each seed's two columns."""
    keep = [c for c in ("id", "sequence", "id_a", "id_b", "label") if c in inputs.columns]
    out = inputs[keep].reset_index(drop=True).copy()
    out[PROB_COLUMN] = np.mean(list(calibrated.values()), axis=0)
    out[RAW_SCORE_COLUMN] = np.mean(list(raw.values()), axis=0)
    for seed in raw:
        out[seed_column(seed)] = calibrated[seed]
        out[seed_column(seed, raw=True)] = raw[seed]
    return out


def metric_lines(
    scores: dict[str, np.ndarray], labels: np.ndarray, n_boot: int, ids: np.ndarray | None = None
) -> list[str]:
    """AUC and AUPRC with 95% stratified-bootstrap percentile intervals, one line per score vector, and the
    Monte-Carlo error of the interval ends. With ``ids`` the rows are taken in id order, as the aggregator
    aligns its test sets, so the same model and test set give the aggregator's interval (same resamples)."""
    if labels.min() == labels.max():
        return [f"labels are all {int(labels[0])}: AUC and AUPRC need both classes"]
    order = np.argsort(np.asarray(ids).astype(str), kind="stable") if ids is not None else np.arange(labels.size)
    labels = labels[order]
    boot = StratifiedBootstrap.create(labels, n_boot=n_boot, seed=0)
    lines = [f"n={labels.size} ({int(labels.sum())} positive); 95% CIs from {boot.n_boot} stratified resamples "
             "(seed 0, rows in id order, as protsweep-aggregate)"]
    errors = []
    for name, values in scores.items():
        values = np.asarray(values)[order]
        if is_degenerate(values):
            lines.append(f"{name}: degenerate (constant predictions): its AUC of 0.5 says the model ranks nothing")
            continue
        point = auc_auprc(values, labels)
        boots = boot.auc_auprc(values)
        cis = [percentile_ci(b) for b in boots]
        errors += [percentile_ci_mc_error(b) for b in boots]
        cells = [f"{m} {fmt_value_ci(p, lo, hi)}" for m, p, (lo, hi) in zip(("AUC", "AUPRC"), point, cis, strict=True)]
        lines.append(f"{name}: " + "  ".join(cells))
    mc_line = mc_error_line(errors, boot.n_boot)
    return lines + ([mc_line] if mc_line else [])


def degenerate_warnings(raw: dict[int, np.ndarray], where: dict[int, Path]) -> list[str]:
    """One line per ensemble member whose predictions on these inputs are constant (a collapsed model)."""
    return [
        f"{PROG}: warning: seed {seed} ({where[seed]}) predicts a constant here (a degenerate, collapsed model): "
        "it ranks nothing and pulls the ensemble's probabilities towards its constant"
        for seed, values in raw.items()
        if len(values) and is_degenerate(values)
    ]


def _family_and_alphabet(cards: dict[int, dict[str, Any]]) -> tuple[str, str, str]:
    families = {c["family"] for c in cards.values()}
    if len(families) != 1:
        raise ProtsweepError(f"the selected runs mix model families ({', '.join(sorted(families))})")
    family = families.pop()
    try:
        data = next(iter(cards.values()))["config"]["data"]
        return family, str(data.get("kind") or "single"), str(data["alphabet"])
    except (KeyError, TypeError, AttributeError) as err:
        raise ProtsweepError(f"the model card's config has no usable data.alphabet ({err!r})") from err


def calibrator_of(card: dict[str, Any], run_dir: Path) -> Calibrator:
    try:
        calibrator = Calibrator.from_params(card["calibration"])
        probe = calibrator.transform(np.linspace(0.0, 1.0, 101))
    except (ValueError, TypeError, KeyError, RuntimeError) as err:
        raise ProtsweepError(f"{run_dir}: the card's calibration cannot be rebuilt: {err}") from err
    bad = ~np.isfinite(probe) | (probe < 0) | (probe > 1)
    if bad.any():
        raise ProtsweepError(f"{run_dir}: the card's calibration maps probabilities outside [0, 1] "
                             f"(e.g. to {probe[bad][0]}); the card was edited or is damaged")
    return calibrator


def checked_probabilities(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` when every one is a probability in [0, 1]; else one line naming how many are not."""
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ProtsweepError(f"{what}: {int(bad.sum())} of {values.size} probabilities are not in [0, 1] "
                             f"(first: row {first + 1}, {values[first]}); nothing was written")
    return values


def built_predictor(predictor_class: Any, run_dir: Path, card: dict[str, Any], cache_dir: str | None) -> Any:
    """The family's predictor; a card whose (registered) components do not fit together is one line."""
    try:
        return predictor_class(run_dir, card, cache_dir=cache_dir)
    except (KeyError, TypeError, AttributeError, ValueError, OmegaConfBaseException) as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ProtsweepError(f"{run_dir}: its model card describes no model protsweep can build: {first}") from err


def predict(args: argparse.Namespace) -> pd.DataFrame:
    check_out(args.out, Path(args.input), args.force)
    runs = select_runs(args.run, args.variant)
    cards = {seed: trusted_card(path, families()) for seed, path in runs.items()}
    calibrators = {seed: calibrator_of(cards[seed], path) for seed, path in runs.items()}
    family, kind, alphabet = _family_and_alphabet(cards)
    policy = ResiduePolicy(args.nonstandard)
    inputs = read_inputs(args.input, kind, alphabet, InputColumns(
        sequence=args.sequence_col, seq_a=args.seq_a_col, seq_b=args.seq_b_col, label=args.label_col,
        id=args.id_col, id_a=f"{args.id_col}_a", id_b=f"{args.id_col}_b",
    ), policy)
    note = policy.note(str(args.input))
    if note:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    if inputs.empty:
        raise ProtsweepError(f"{args.input}: no record left to score")
    threads = predict_threads(args.threads, cards, family_of(family).thread_keys)
    os.environ.update(thread_env(threads))  # read when torch / TensorFlow start their pools (imported next)
    predictor_class = get_class(family_of(family).predictor)
    auto = sys.stderr.isatty() and len(inputs) >= PROGRESS_MIN
    show = args.progress == "always" or (args.progress == "auto" and auto)
    raw: dict[int, np.ndarray] = {}
    calibrated: dict[int, np.ndarray] = {}
    with tqdm(total=len(inputs) * len(runs), unit="seq", disable=not show, desc=PROG, file=sys.stderr) as bar:
        for seed, path in runs.items():
            predictor = built_predictor(predictor_class, path, cards[seed], args.cache_dir)
            raw[seed] = checked_probabilities(predictor.predict_raw(inputs, bar.update), f"{path}: the model")
            calibrated[seed] = checked_probabilities(calibrators[seed].transform(raw[seed]), f"{path}: the calibrated")
    for line in degenerate_warnings(raw, runs):
        print(line, file=sys.stderr)
    frame = ensemble_frame(inputs, raw, calibrated)
    write_out(args.out, frame)
    print(f"{PROG}: {len(frame)} {'pairs' if kind == 'pairs' else 'sequences'}, {len(runs)} seed(s) "
          f"({', '.join(map(str, runs))}) -> {args.out}")
    if "label" in frame.columns:
        labels = frame["label"].to_numpy(dtype=int)
        named = {f"seed {s}": raw[s] for s in raw}
        if len(raw) > 1:
            named[f"ensemble of {len(raw)}"] = frame[RAW_SCORE_COLUMN].to_numpy()
        ids = frame["id"].to_numpy() if "id" in frame.columns else None
        print("\n".join(metric_lines(named, labels, args.n_boot, ids)))
    return frame


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument("run", help="a run directory, or a sweep directory (with --variant when it holds several)")
    p.add_argument("--variant", action="append", default=[], metavar="KEY=VALUE",
                   help="the sweep's variant whose seeds are ensembled (repeat to narrow): --variant head=two_layer")
    p.add_argument("--input", required=True, help="FASTA or CSV/TSV of sequences; CSV/TSV of pairs for Siamese models")
    p.add_argument("--out", required=True, type=Path, help="the CSV to write (never an existing file without --force)")
    p.add_argument("--force", action="store_true", help="replace an existing --out (never the --input file)")
    p.add_argument("--sequence-col", default="sequence")
    p.add_argument("--id-col", default="id", help="the id column of a CSV/TSV (pairs: <id-col>_a, <id-col>_b); "
                   "without it ids are derived from the sequences, as in training")
    p.add_argument("--nonstandard", choices=POLICIES, default="map",
                   help="a residue outside the model's alphabet: map U/O/B/Z to C/K/N/Q and skip records with "
                   "others (map), skip every such record (skip), or refuse the file (refuse)")
    p.add_argument("--seq-a-col", default="seq_a")
    p.add_argument("--seq-b-col", default="seq_b")
    p.add_argument("--label-col", default="label", help="used when present: AUC/AUPRC with bootstrap CIs")
    p.add_argument("--cache-dir", default=None, help="Siamese: the embedding cache (default: the run's)")
    p.add_argument("--n-boot", type=int, default=DEFAULT_N_BOOT)
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads of torch / TensorFlow (default: what the saved run ran with, e.g. the "
                        "Siamese trainer.num_threads, else theirs, one per core); 1 is much faster for small models "
                        "on a busy machine (bench/bench_siamese_predict.py)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.n_boot < 1:
        print(f"{PROG}: error: --n-boot must be positive", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.threads is not None and args.threads < 1:
        print(f"{PROG}: error: --threads must be positive", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        predict(args)
    except ProtsweepError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
