"""Labelled single-sequence data: loading, validation, deduplication and splitting."""
