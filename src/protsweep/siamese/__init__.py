"""Siamese and pseudo-Siamese pair models (PyTorch) on cached ESM C per-residue embeddings."""
