"""Post-hoc calibration, fitted on the validation set (calibration never changes AUC).

- :mod:`.calibrators`: ``Identity``, ``Platt``, ``Isotonic``, built by Hydra ``_target_`` from
  ``conf/calibration/<name>.yaml``; each is monotone non-decreasing once fitted.
- :mod:`.metrics`: Brier score and ECE.
- :mod:`.config`: the structured-config schemas (light: no numpy or scipy import).

This ``__init__`` imports nothing, so registering the schemas stays cheap.
"""
