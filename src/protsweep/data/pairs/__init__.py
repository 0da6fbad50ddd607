"""Labelled pairs of sequences: loading, checks, label mapping, dedup and splitting (torch-free)."""
