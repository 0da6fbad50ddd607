"""Saved fine-tuned models: each run's final weights with a model card (:mod:`.card`), written by
:func:`.store.finish_run` with the run's ``model_summary.txt`` and ``curves.png``; the warm start
(``trainer.init_from``); and the predictors ``protsweep-predict`` builds from a run directory.

This package's top level imports neither TensorFlow nor torch: each family's code lives in its own module
(:mod:`.keras_io`, :mod:`.torch_io`), named in :data:`PREDICTORS` and imported only for that family.
"""

from __future__ import annotations

from protsweep.saved.card import CARD_JSON, MODEL_DIR, read_card, sha256_file, verified_weights

#: model family -> the dotted path of its predictor class: ``cls(run_dir, card)`` with ``input_kind`` and
#: ``predict_raw(inputs, advance)``
PREDICTORS: dict[str, str] = {
    "proteinbert": "protsweep.saved.keras_io.ProteinBertPredictor",
    "siamese": "protsweep.saved.torch_io.SiamesePredictor",
}

__all__ = ["CARD_JSON", "MODEL_DIR", "PREDICTORS", "read_card", "sha256_file", "verified_weights"]
