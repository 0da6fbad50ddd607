"""Saved fine-tuned models: each run's final weights with a model card (:mod:`.card`), written by
:func:`.store.finish_run` with the run's ``model_summary.txt`` and ``curves.png``; the warm start
(``trainer.init_from``); and the predictors ``protsweep-predict`` builds from a run directory.

This package imports neither TensorFlow nor torch: each family's save/load adapter and predictor live in the
family's package (``<family>/model_io.py``), named by its record (:attr:`protsweep.family.Family.predictor`)
and imported only for that family.
"""

from __future__ import annotations

from protsweep.saved.card import CARD_JSON, MODEL_DIR, read_card, sha256_file, verified_weights

__all__ = ["CARD_JSON", "MODEL_DIR", "read_card", "sha256_file", "verified_weights"]
