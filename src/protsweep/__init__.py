"""protsweep: single-variable ablation sweeps for protein models, with honest statistics."""

__version__ = "0.1.0"
