"""Time one training epoch of every ablation option on hemolysis, relative to the baseline.

Each option is one ``protsweep`` run in its own process (exactly what a sweep job does), trained for
``--epochs`` epoch(s) in a single all-trainable stage (``trainer.freeze=none``), so the frozen stage of the
baseline and the layer-wise optimizer's missing frozen stage do not skew the comparison. The time per epoch
is the ``full`` stage's wall seconds in run.json divided by the epochs it ran (metrics.json); it includes
the per-epoch validation pass that computes val_loss and val_auc. The first epoch also pays for graph
tracing, so ``--epochs 2`` or more gives steadier numbers.

    python bench/bench_routes.py --model proteinbert_tiny --limit 1000
    python bench/bench_routes.py --model proteinbert --data-path ../shared/data/hemolysis/hemolysis.csv

Timings are wall-clock: on a shared machine, use ``--repeats 3`` (round-robin over the options, median
reported). The options are the variants of the ``routes`` sweep (conf/variant/*.yaml, applied as ``+variant=<name>``)
plus A2 on the two-layer head.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VARIANT_DIR = REPO / "conf" / "variant"
EXTRA_OPTIONS: dict[str, list[str]] = {"focal_two_layer": ["head=two_layer", "loss=focal"]}


@dataclass
class Result:
    option: str
    overrides: list[str]
    epoch_seconds: list[float] = field(default_factory=list)
    total_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def epoch(self) -> float | None:
        return statistics.median(self.epoch_seconds) if self.epoch_seconds else None

    @property
    def total(self) -> float | None:
        return statistics.median(self.total_seconds) if self.total_seconds else None


def options(selected: list[str] | None) -> dict[str, list[str]]:
    """Option name -> its overrides; the baseline first."""
    variants = sorted(p.stem for p in VARIANT_DIR.glob("*.yaml"))
    table = {"baseline": ["+variant=baseline"]}
    table.update({v: [f"+variant={v}"] for v in variants if v != "baseline"})
    table.update(EXTRA_OPTIONS)
    if selected:
        unknown = sorted(set(selected) - set(table))
        if unknown:
            raise SystemExit(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(table)}")
        table = {name: table[name] for name in ["baseline", *selected] if name in table}
    return table


def run_one(overrides: list[str], run_dir: Path, timeout: float) -> tuple[float, float]:
    """Run protsweep once; return (seconds per epoch of the full stage, total seconds)."""
    command = [sys.executable, "-m", "protsweep", *overrides, f"hydra.run.dir={run_dir}"]
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    info_path = run_dir / "run.json"
    if not info_path.is_file():
        tail = (out.stderr or out.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"no run.json (exit {out.returncode}): {' | '.join(tail)}")
    info = json.loads(info_path.read_text())
    if info.get("status") != "completed":
        raise RuntimeError(str(info.get("error")))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    epochs = int(metrics["stages"]["full"]["epochs_run"])
    return float(info["wall_seconds"]["full"]) / epochs, float(info["wall_seconds"]["total"])


def format_table(results: list[Result], baseline: Result) -> str:
    rows = [("option", "overrides", "s/epoch", "x baseline", "total s", "note")]
    for r in results:
        ratio = f"{r.epoch / baseline.epoch:.2f}" if r.epoch is not None and baseline.epoch else "-"
        rows.append(
            (
                r.option,
                " ".join(r.overrides),
                f"{r.epoch:.2f}" if r.epoch is not None else "-",
                ratio,
                f"{r.total:.1f}" if r.total is not None else "-",
                "; ".join(r.errors)[:80],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-path", default="../shared/data/hemolysis/hemolysis.csv")
    parser.add_argument("--model", default="proteinbert_tiny", choices=["proteinbert_tiny", "proteinbert"])
    parser.add_argument("--limit", type=int, default=None, help="data.limit (rows read), for a quick look")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs per option; the median is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", default=None, help="time only these options (and the baseline)")
    parser.add_argument("--out", type=Path, default=None, help="where runs and results go")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    parser.add_argument("overrides", nargs="*", help="extra overrides, e.g. trainer.batch_size=64")
    args = parser.parse_args(argv)

    data_path = Path(args.data_path).expanduser().resolve()
    if not data_path.is_file():
        raise SystemExit(f"{data_path}: no such file (--data-path)")
    out = args.out or REPO / "outputs" / "bench" / f"routes-{datetime.now():%Y-%m-%d_%H-%M-%S}"
    out = out.resolve()
    common = [
        f"model={args.model}",
        "data=hemolysis",
        f"data.source.path={data_path}",
        *([f"data.limit={args.limit}"] if args.limit else []),
        "trainer.freeze=none",
        "trainer.epochs_frozen=0",
        f"trainer.epochs_full={args.epochs}",
        "trainer.final_epochs=0",
        f"seed={args.seed}",
        *args.overrides,
    ]
    table = options(args.only)
    results = [Result(name, option_overrides) for name, option_overrides in table.items()]
    # Round-robin over the options, so that a load spike on a shared machine hits one run of each
    # option rather than every run of one option; the median over the repeats is reported.
    for repeat in range(args.repeats):
        for result in results:
            run_dir = out / result.option / f"r{repeat}"
            started = time.perf_counter()
            try:
                epoch, total = run_one([*common, *result.overrides], run_dir, args.timeout)
                result.epoch_seconds.append(epoch)
                result.total_seconds.append(total)
                status = f"{epoch:.2f} s/epoch"
            except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError) as err:
                result.errors.append(str(err))
                status = f"FAILED: {err}"
            elapsed = time.perf_counter() - started
            print(f"[{result.option} {repeat + 1}/{args.repeats}] {status} ({elapsed:.0f} s)", flush=True)

    report = format_table(results, results[0])
    header = f"{data_path.name}, model={args.model}, limit={args.limit}, epochs={args.epochs}"
    print(f"\n{header}\n{report}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.txt").write_text(f"{header}\n{report}\n")
    (out / "results.json").write_text(
        json.dumps(
            {
                "args": {k: str(v) for k, v in vars(args).items()},
                "common_overrides": common,
                "results": [
                    {
                        "option": r.option,
                        "overrides": r.overrides,
                        "epoch_seconds": r.epoch_seconds,
                        "total_seconds": r.total_seconds,
                        "ratio_to_baseline": (r.epoch / results[0].epoch)
                        if r.epoch is not None and results[0].epoch
                        else None,
                        "errors": r.errors,
                    }
                    for r in results
                ],
            },
            indent=2,
        )
    )
    print(f"\nresults: {out / 'results.txt'}")
    return 0 if all(not r.errors for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
