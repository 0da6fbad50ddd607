"""Embedding throughput (tokens/s) and padded share: length-sorted vs unsorted batching.

Both batchings embed the same sequences with the same ESM C model; the sorted one is protsweep's
(``length_sorted_batches``: token budget, at most ``max_pad_frac`` padding per batch), the unsorted one
takes the sequences in input order in batches of the same mean size. Throughput counts real tokens
(residues + BOS + EOS) per second of forward passes; one untimed warm-up batch runs first.

    python bench/bench_embed.py                       # esmc_tiny on 400 Guo yeast proteins (../shared)
    python bench/bench_embed.py --shape 300m --n 64   # a random-init model of ESM C 300M's shape
    python bench/bench_embed.py --data none           # peptides shipped with modlamp instead
    python bench/bench_embed.py --cache-read --shape 300m   # the cache's read path: signed entries' cost

``--cache-read`` instead times reading every sequence's entry back from the embedding cache
(``EmbeddingCache.load``: file read, tag, header, payload sha256) with the HMAC tag checked and with the tag
check stubbed out, in rotating order, best of 9, in one process; and, for comparison, an HMAC over the whole entry.

No weights are needed: the model is randomly initialised in the shape asked for (throughput does not
depend on the weights' values).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("USE_TF", "0")

import numpy as np
import torch

from protsweep.siamese.embed.batching import fixed_size_batches, length_sorted_batches, padding_stats
from protsweep.siamese.embed.esmc import EsmcEmbedder, resolve_device, tiny_model

SHAPES = {"tiny": (64, 4, 2), "300m": (960, 15, 30), "600m": (1152, 18, 36)}
GUO = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "guo_yeast_ppi" / "protein.dictionary.tsv"


def load_sequences(data: str, n: int, seed: int) -> tuple[list[str], str]:
    path = Path(data) if data != "auto" else GUO
    if data != "none" and path.is_file():
        from protsweep.data.readers import read_tsv_table

        sequences = read_tsv_table(path)["sequence"].str.upper().tolist()
        what = f"{path.name} ({len(sequences)} proteins)"
    else:
        from modlamp.datasets import load_AMPvsUniProt

        sequences = list(load_AMPvsUniProt().sequences)
        what = f"modlamp AMPvsUniProt ({len(sequences)} peptides)"
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(sequences), size=min(n, len(sequences)), replace=False)
    return [sequences[i] for i in picked], what


def timed(embedder: EsmcEmbedder, sequences: list[str], batches: list[list[int]]) -> float:
    embedder.embed([sequences[i] for i in batches[0]])  # warm-up (allocator, kernels)
    began = time.perf_counter()
    for batch in batches:
        embedder.embed([sequences[i] for i in batch])
    if embedder.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - began


def cache_read_cost(sequences: list[str], hidden: int, max_len: int, repeats: int = 9) -> None:
    """Seconds to read every sequence's entry back from the cache, the HMAC tag checked or not (the ratio)."""
    import hashlib
    import hmac
    import tempfile
    import timeit

    from protsweep import framed
    from protsweep.cache_key import KEY_FILE_ENV, cache_key
    from protsweep.siamese.embed.cache import MAGIC as EMBED_MAGIC
    from protsweep.siamese.embed.cache import EmbeddingCache, payload_offset
    from protsweep.siamese.embed.identity import EmbedderIdentity
    from protsweep.siamese.embed.lazy import LazyEmbeddings

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault(KEY_FILE_ENV, str(Path(tmp) / "cache.key"))
        identity = EmbedderIdentity(name="bench", weights="none", pretrained=False, hidden_size=hidden,
                                    max_len=max_len, dtype="fp32")
        cache = EmbeddingCache(tmp, identity)
        rng = np.random.default_rng(0)
        for seq in sequences:
            n = min(len(seq), max_len)
            cache.store(seq, rng.normal(size=(n, hidden)).astype(np.float16), len(seq))
        size_mb = sum(cache.path(s).stat().st_size for s in sequences) / 2**20
        key, signed_check = cache_key(), framed.authentic

        def read_all() -> float:
            began = time.perf_counter()
            for seq in sequences:
                assert cache.load(seq) is not None
            return time.perf_counter() - began

        def whole_entry_hmac() -> float:  # the alternative: an HMAC over every byte of each entry, as well
            began = time.perf_counter()
            for seq in sequences:
                data = cache.path(seq).read_bytes()
                hmac.compare_digest(hmac.new(key, data, hashlib.sha256).digest(), bytes(32))
                assert cache.load(seq) is not None
            return time.perf_counter() - began

        arms: dict[str, list[float]] = {"tag checked": [], "tag not checked": [], "+ HMAC of whole entry": []}
        def unchecked() -> float:
            framed.authentic = lambda data, magic: True
            try:
                return read_all()
            finally:
                framed.authentic = signed_check

        runs = {"tag checked": read_all, "tag not checked": unchecked, "+ HMAC of whole entry": whole_entry_hmac}
        read_all()  # warm the page cache
        for round_ in range(repeats):  # the order rotates, so no arm always follows another
            for name in list(runs)[round_ % 3 :] + list(runs)[: round_ % 3]:
                arms[name].append(runs[name]())
        lazy = LazyEmbeddings({seq: cache.path(seq) for seq in sequences}, {seq: cache.load(seq).shape
                                                                              for seq in sequences})

        def lazy_epoch() -> float:
            began = time.perf_counter()
            for seq in sequences:
                lazy[seq]
            return time.perf_counter() - began

        def raw_epoch() -> float:  # what a lazy read did before entries were re-checked: no stat, no check
            began = time.perf_counter()
            for seq in sequences:
                data = cache.path(seq).read_bytes()
                np.frombuffer(data, dtype=np.float16, offset=payload_offset(data)).reshape(lazy.shapes[seq])
            return time.perf_counter() - began

        first_lazy = lazy_epoch()  # verifies every entry (tag, sha256)
        epochs: dict[str, list[float]] = {"lazy epoch >= 2": [], "raw read": []}
        for _ in range(repeats):
            epochs["lazy epoch >= 2"].append(lazy_epoch())
            epochs["raw read"].append(raw_epoch())
        one = cache.path(sequences[0]).read_bytes()
        tag_s = min(timeit.repeat(lambda: signed_check(one, EMBED_MAGIC), number=2000, repeat=5)) / 2000
    best = {name: min(times) for name, times in arms.items()}
    print(f"embedding cache read path: {len(sequences)} entries, {size_mb:.1f} MiB (hidden {hidden}), "
          f"best of {repeats}")
    for name, seconds in best.items():
        print(f"  {name}: {seconds * 1e3:.1f} ms ({seconds / len(sequences) * 1e6:.0f} us/entry)")
    print(f"  the tag check alone (one entry, timeit): {tag_s * 1e6:.1f} us/entry")
    lazy_s, raw_s = min(epochs["lazy epoch >= 2"]), min(epochs["raw read"])
    print(f"  training's lazy reads: first epoch (each entry verified) {first_lazy * 1e3:.1f} ms, later epochs "
          f"(file stamp only) {lazy_s * 1e3:.1f} ms vs {raw_s * 1e3:.1f} ms unchecked: {lazy_s / raw_s:.3f}x")
    print(f"  signed / unsigned read time: {best['tag checked'] / best['tag not checked']:.3f}x; "
          f"with an HMAC over each whole entry: {best['+ HMAC of whole entry'] / best['tag not checked']:.3f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="auto", help="id<TAB>sequence table; 'auto' = Guo yeast; 'none' = modlamp")
    parser.add_argument("--n", type=int, default=400, help="sequences (a random subset)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--max-len", type=int, default=1022)
    parser.add_argument("--batch-tokens", type=int, default=16384)
    parser.add_argument("--max-pad-frac", type=float, default=0.10)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--cache-read", action="store_true", help="time the cache's read path instead (no model)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    sequences, what = load_sequences(args.data, args.n, args.seed)
    if args.cache_read:
        print(f"{len(sequences)} sequences of {what}")
        cache_read_cost(sequences, SHAPES[args.shape][0], args.max_len)
        return
    lengths = [min(len(s), args.max_len) + 2 for s in sequences]
    hidden, heads, layers = SHAPES[args.shape]
    embedder = EsmcEmbedder(tiny_model(hidden, heads, layers, 0), resolve_device(args.device), args.max_len)

    sorted_batches = length_sorted_batches(lengths, args.batch_tokens, args.max_pad_frac)
    mean_size = max(1, round(len(sequences) / len(sorted_batches)))
    plans = {"length-sorted": sorted_batches, "unsorted": fixed_size_batches(len(sequences), mean_size)}
    rows = []
    for name, batches in plans.items():
        stats = padding_stats(lengths, batches)
        seconds = timed(embedder, sequences, batches)
        rows.append(
            {
                "batching": name,
                **stats,
                "seconds": round(seconds, 2),
                "tokens_per_s": round(stats["real_tokens"] / seconds, 1),
                "max_batch_tokens": max(len(b) * max(lengths[i] for i in b) for b in batches),
            }
        )
    speedup = rows[0]["tokens_per_s"] / rows[1]["tokens_per_s"]
    print(
        f"ESM C {args.shape} (random init), {len(sequences)} sequences of {what}, max_len={args.max_len}, "
        f"device={embedder.device}, threads={torch.get_num_threads()}, batch_tokens={args.batch_tokens}"
    )
    print("| batching | batches | real tokens | padded share | seconds | real tokens/s | largest batch (tokens) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['batching']} | {r['batches']} | {r['real_tokens']} | {r['padded_share']:.1%} | {r['seconds']} "
            f"| {r['tokens_per_s']:.0f} | {r['max_batch_tokens']} |"
        )
    print(f"length-sorted / unsorted throughput: {speedup:.2f}x")
    if args.out:
        args.out.write_text(
            json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows, "speedup": speedup}, indent=2)
            + "\n"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
