"""Labelled pairs of sequences: loading, validation, label mapping, deduplication and splitting (torch-free)."""
