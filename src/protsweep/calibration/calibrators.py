"""Calibrators: monotone non-decreasing maps from a model's raw probabilities to calibrated ones.

Each is built by Hydra from ``conf/calibration/<name>.yaml`` (``_target_``), fitted on the validation
split with :meth:`Calibrator.fit`, applied with :meth:`Calibrator.transform`. :meth:`Calibrator.params`
is JSON holding the ``_target_`` and every constructor argument, fitted values included, so
:meth:`Calibrator.from_params` rebuilds a fitted calibrator without data (metrics.json records it).

Monotone non-decreasing means calibration can never reverse the ranking of two examples (it can tie
them); the run record still takes AUC and AUPRC from the raw scores.
"""

from __future__ import annotations

import logging
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

log = logging.getLogger(__name__)

#: Probabilities are clipped to [EPS, 1 - EPS] before the logit.
EPS = 1e-7


def logit(probs: ArrayLike) -> NDArray[np.float64]:
    clipped = np.clip(np.asarray(probs, dtype=float), EPS, 1 - EPS)
    return np.log(clipped / (1 - clipped))


def checked_probabilities(scores: ArrayLike, what: str = "scores") -> NDArray[np.float64]:
    values = np.asarray(scores, dtype=float).reshape(-1)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        raise ValueError(f"calibration {what} must be probabilities in [0, 1]; {int(bad.sum())} are not")
    return values


def checked_labels(labels: ArrayLike, n: int) -> NDArray[np.float64]:
    values = np.asarray(labels, dtype=float).reshape(-1)
    if values.size != n or not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"calibration labels must be {n} values of 0 or 1")
    return values


class Calibrator:
    """The shared API; subclasses set :meth:`_fit`, :meth:`_transform` and :meth:`_fitted`."""

    def __init__(self, name: str, n_bins: int = 10) -> None:
        self.name = name
        self.n_bins = int(n_bins)  # bins of the ECE reported with this calibration, not used to fit

    @property
    def is_fitted(self) -> bool:
        return all(value is not None for value in self._fitted().values())

    def fit(self, scores: ArrayLike, labels: ArrayLike) -> Self:
        values = checked_probabilities(scores, "valid scores")
        self._fit(values, checked_labels(labels, values.size))
        return self

    def transform(self, scores: ArrayLike) -> NDArray[np.float64]:
        if not self.is_fitted:
            raise RuntimeError(f"calibration={self.name}: transform() before fit()")
        return self._transform(checked_probabilities(scores))

    def params(self) -> dict[str, Any]:
        cls = type(self)
        return {"_target_": f"{cls.__module__}.{cls.__qualname__}", "name": self.name, "n_bins": self.n_bins,
                **self._fitted()}

    @staticmethod
    def from_params(params: dict[str, Any]) -> Calibrator:
        """The calibrator that ``params`` (from :meth:`params`) describes, fitted as it was."""
        kwargs = dict(params)
        target = str(kwargs.pop("_target_"))
        if target not in CALIBRATORS:  # nothing else is imported or called: params may come from a shared file
            raise ValueError(f"{target[:120]!r} is not a calibrator ({', '.join(sorted(CALIBRATORS))})")
        return CALIBRATORS[target](**kwargs)

    def _fit(self, scores: NDArray[np.float64], labels: NDArray[np.float64]) -> None:
        raise NotImplementedError

    def _transform(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError

    def _fitted(self) -> dict[str, Any]:
        return {}


class Identity(Calibrator):
    """``calibration=none``: probabilities pass through unchanged."""

    def __init__(self, name: str = "none", n_bins: int = 10) -> None:
        super().__init__(name, n_bins)

    def _fit(self, scores: NDArray[np.float64], labels: NDArray[np.float64]) -> None:
        return None

    def _transform(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        return scores.copy()


class Platt(Calibrator):
    """sigmoid(slope * logit(p) + intercept), by maximum likelihood with ``slope >= 0``.

    Targets are Platt's (1999) smoothed labels, (N+ + 1) / (N+ + 2) and 1 / (N- + 2), which keep the
    fit finite on separable data. The log-likelihood is concave, so when the unconstrained slope would
    be negative (valid scores rank the classes the wrong way round) the bounded optimum is slope 0:
    a constant, the smoothed positive rate. Unconstrained, that case flipped a test AUC from 0.70 to 0.30.
    """

    def __init__(
        self, name: str = "platt", n_bins: int = 10, slope: float | None = None, intercept: float | None = None
    ) -> None:
        super().__init__(name, n_bins)
        self.slope = slope
        self.intercept = intercept

    def _fit(self, scores: NDArray[np.float64], labels: NDArray[np.float64]) -> None:
        x = logit(scores)
        n_pos = labels.sum()
        n_neg = labels.size - n_pos
        targets = np.where(labels == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

        def loss_and_grad(ab: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            z = ab[0] * x + ab[1]
            residual = 1 / (1 + np.exp(-z)) - targets
            return float(np.sum(np.logaddexp(0.0, z) - targets * z)), np.array([residual @ x, residual.sum()])

        from scipy.optimize import minimize  # deferred: applying a saved calibrator (predict) fits nothing

        fitted = minimize(loss_and_grad, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
                          bounds=[(0.0, None), (None, None)])
        if not fitted.success:
            log.warning("calibration=platt: the optimiser stopped early (%s)", fitted.message)
        self.slope, self.intercept = float(fitted.x[0]), float(fitted.x[1])
        if self.slope == 0.0:
            log.warning("calibration=platt: valid scores rank the classes the wrong way round; the slope is "
                        "held at 0, so every calibrated probability is %.4f", 1 / (1 + np.exp(-self.intercept)))

    def _transform(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        assert self.slope is not None and self.intercept is not None
        return 1 / (1 + np.exp(-(self.slope * logit(scores) + self.intercept)))

    def _fitted(self) -> dict[str, Any]:
        return {"slope": self.slope, "intercept": self.intercept}


class Isotonic(Calibrator):
    """The least-squares non-decreasing step function of valid scores to labels (scipy's PAV).

    Kept as the knots ``x`` (increasing) and values ``y`` (non-decreasing) where a step begins or ends;
    :meth:`transform` interpolates linearly between knots and clips outside them, as sklearn's
    ``IsotonicRegression(out_of_bounds="clip")`` predicts. Tied outputs are possible by design.
    """

    def __init__(
        self, name: str = "isotonic", n_bins: int = 10, x: list[float] | None = None, y: list[float] | None = None
    ) -> None:
        super().__init__(name, n_bins)
        self.x = None if x is None else [float(v) for v in x]
        self.y = None if y is None else [float(v) for v in y]

    def _fit(self, scores: NDArray[np.float64], labels: NDArray[np.float64]) -> None:
        from scipy.optimize import isotonic_regression  # deferred: as Platt's

        knots, where, counts = np.unique(scores, return_inverse=True, return_counts=True)
        means = np.bincount(where, weights=labels) / counts  # tied scores pool their labels first
        values = isotonic_regression(means, weights=counts.astype(float), increasing=True).x
        same_before = np.r_[False, values[1:] == values[:-1]]
        same_after = np.r_[values[:-1] == values[1:], False]
        keep = ~(same_before & same_after)  # interior points of a flat step add nothing
        self.x, self.y = knots[keep].tolist(), values[keep].tolist()

    def _transform(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.interp(scores, np.asarray(self.x), np.asarray(self.y))

    def _fitted(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y}


def target_of(cls: type[Calibrator]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


#: the calibrators :meth:`Calibrator.from_params` rebuilds, by the ``_target_`` :meth:`Calibrator.params` writes
CALIBRATORS: dict[str, type[Calibrator]] = {target_of(cls): cls for cls in (Identity, Platt, Isotonic)}
