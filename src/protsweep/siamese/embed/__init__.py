"""ESM C per-residue embeddings and their on-disk cache (only :mod:`.esmc` imports torch)."""
