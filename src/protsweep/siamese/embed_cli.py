"""``protsweep-embed``: precompute a data set's ESM C embeddings into the shared cache.

It composes the same config as ``protsweep`` (same groups, same overrides), so the cache entries it
writes are exactly the ones runs look up:

    protsweep-embed data=guo_yeast_ppi embedder=esmc_300m
    protsweep-embed data=pairs_csv data.source.path=pairs.csv embedder=esmc_tiny paths.cache_dir=/scratch

Without a ``model=`` override it composes ``model=siamese`` (whose defaults pick the embedder and data).
Every sequence of the data set is embedded (before dedup, limit and split), so any split seed, limit or
split method finds its sequences cached.

    protsweep-embed data=guo_yeast_ppi embedder=esmc_tiny --export h5 [--out guo.h5]

also writes them to one HDF5 file (one dataset per sequence under /residues, mean-pooled vectors in /mean,
their order in /sequences, the records' ids in /ids; default file: embeddings-<embedder>.h5) for use outside
protsweep. New, unlabelled sequences (FASTA, or CSV/TSV with a ``sequence`` column; ids from the FASTA headers
or ``--id-col``, default ``id``) instead of a data set:

    protsweep-embed --input new.fasta embedder=esmc_tiny --export h5 --out new.h5

ProteinBERT (``model=proteinbert[_tiny]``, no embedder) exports its own per-residue and global
representations of such a file: ``protsweep-embed model=proteinbert --input new.fasta --export h5``.
Residues outside the alphabet follow prediction's policy (``protsweep.saved.residues``: U/O/B/Z
mapped, other records skipped with a note line).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException
from hydra.utils import get_method
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from protsweep.config_store import register_schemas
from protsweep.errors import ProtsweepError
from protsweep.family import family
from protsweep.saved.residues import ResiduePolicy
from protsweep.schema import config_dir

USAGE = __doc__ or ""
EXPORT_FORMATS = ("h5",)


def _take_option(args: list[str], name: str) -> str | None:
    """Remove ``--name value`` or ``--name=value`` from ``args`` and return the value."""
    for i, arg in enumerate(args):
        if arg == name:
            if i + 1 >= len(args):
                raise ProtsweepError(f"{name} needs a value")
            value = args[i + 1]
            del args[i : i + 2]
            return value
        if arg.startswith(f"{name}="):
            del args[i]
            return arg.split("=", 1)[1]
    return None


def _sequences(cfg: DictConfig) -> tuple[list[str], str]:
    from protsweep.data.pairs.dataset import all_pair_sequences, is_pair_data

    if is_pair_data(cfg.data):
        return all_pair_sequences(cfg.data), f"data={cfg.data.name}"
    from protsweep.data.dataset import load_split_data

    split = load_split_data(cfg.data)
    sequences = [s for name in ("train", "valid", "test") for s in split.split(name)["sequence"]]
    return list(dict.fromkeys(sequences)), f"data={cfg.data.name}"


def _input_records(path: str, id_col: str, alphabet: str) -> tuple[list[str], list[str], str]:
    """An unlabelled FASTA or CSV/TSV: sequences, ids and what to call them (labels are not needed)."""
    from protsweep.saved.inputs import InputColumns, read_inputs  # pandas: not needed for --help

    policy = ResiduePolicy("map")
    frame = read_inputs(path, "single", alphabet, InputColumns(id=id_col), policy)
    note = policy.note(path)
    if note:
        print(f"protsweep-embed: note: {note}", file=sys.stderr)
    if frame.empty:
        raise ProtsweepError(f"{path}: no record left to embed")
    return frame["sequence"].tolist(), frame["id"].tolist(), f"--input {path}"


def own_export(cfg: DictConfig, input_file: str | None, id_col: str, export: str | None, out: str | None) -> None:
    """A family without an embedder group (ProteinBERT) exports its own backbone's representations."""
    exporter = family(str(cfg.model.family)).embeddings_export
    if not exporter:
        raise ProtsweepError("no embedder chosen: add embedder=esmc_300m | esmc_600m | esmc_tiny")
    if input_file is None or export is None:
        raise ProtsweepError(f"model={cfg.model.name}: its representations are exported from new sequences: "
                             "add --input FILE --export h5 [--out FILE]")
    sequences, ids, what = _input_records(input_file, id_col, str(cfg.data.get("alphabet")))
    target = Path(out or f"embeddings-{cfg.model.name}.h5")
    report = get_method(exporter)(cfg, sequences, ids, target)
    print(f"protsweep-embed: {what}, model={report['name']} ({report['pretrained']}): {report['records']} records, "
          f"per-residue d={report['d_local']}, global d={report['d_global']} -> {target}")


def compose_config(overrides: list[str]) -> DictConfig:
    register_schemas()
    if not any(item.split("=", 1)[0].lstrip("+~") == "model" for item in overrides):
        overrides = ["model=siamese", *overrides]
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose("config", overrides=overrides)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if any(a in ("-h", "--help") for a in args):
        print(USAGE.strip())
        return
    os.environ.setdefault("USE_TF", "0")
    try:
        export = _take_option(args, "--export")
        out = _take_option(args, "--out")
        input_file = _take_option(args, "--input")
        id_col = _take_option(args, "--id-col") or "id"
        if export is not None and export not in EXPORT_FORMATS:
            raise ProtsweepError(f"--export {export}: unknown format (one of {', '.join(EXPORT_FORMATS)})")
        cfg = compose_config(args)
        if cfg.get("embedder") is None:
            own_export(cfg, input_file, id_col, export, out)
            return
        from protsweep.siamese.embed.service import ensure_embeddings

        ids = None
        if input_file is not None:
            sequences, ids, what = _input_records(input_file, id_col, str(cfg.data.get("alphabet")))
        else:
            sequences, what = _sequences(cfg)
        embeddings = ensure_embeddings(list(dict.fromkeys(sequences)), cfg.embedder)
        report = embeddings.report
        if export is not None:
            from protsweep.siamese.embed.export import export_h5

            target = export_h5(embeddings, sequences, Path(out or f"embeddings-{report['name']}.h5"), ids)
            print(f"protsweep-embed: wrote {len(sequences)} sequences' embeddings to {target}")
    except (HydraException, OmegaConfBaseException) as err:
        print(f"protsweep-embed: config error: {err}", file=sys.stderr)
        sys.exit(2)
    except ProtsweepError as err:
        print(f"protsweep-embed: error: {err}", file=sys.stderr)
        sys.exit(1)
    extra = ""
    if report["corrupt_recomputed"]:
        extra += f", {report['corrupt_recomputed']} corrupt or foreign-key entries recomputed"
    if report["truncated_sequences"]:
        extra += f", {report['truncated_sequences']} truncated to max_len={report['max_len']}"
    rate = f" at {report['tokens_per_s']:.0f} tokens/s" if report.get("tokens_per_s") else ""
    print(
        f"protsweep-embed: {what}, embedder={report['name']} ({report['pretrained']}): "
        f"{report['unique_sequences']} unique sequences, {report['embedded']} embedded{rate}, "
        f"{report['cached']} already cached{extra} -> {report['cache_dir']}"
    )


if __name__ == "__main__":
    main()
