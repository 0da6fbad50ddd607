"""Calibrators: monotone non-decreasing, fitted as independent implementations fit, rebuilt from params,
built from the real ``conf/calibration`` options; AUC from the raw scores whatever the calibrator does."""

from __future__ import annotations

import inspect
import json
from dataclasses import fields

import numpy as np
import pytest
from hydra.errors import HydraException
from hydra.utils import instantiate
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from protsweep.calibration.calibrators import Calibrator, Identity, Isotonic, Platt, logit
from protsweep.calibration.config import SCHEMAS
from protsweep.siamese.loss_heads import check_config
from tests.siamese.conftest import compose_config

CALIBRATORS = (Identity, Platt, Isotonic)


def anti_correlated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose ranking is mostly the wrong way round (true AUC about 0.3)."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.4).astype(int)
    scores = 1 / (1 + np.exp(-(rng.normal(size=n) - 1.0 * labels)))
    return scores, labels


def test_platt_never_flips_the_ranking_when_valid_scores_are_anti_correlated() -> None:
    valid, valid_labels = anti_correlated(400, seed=0)
    test, test_labels = anti_correlated(400, seed=1)
    # what unconstrained Platt scaling would do: a negative slope, and the test AUC flips
    free = LogisticRegression(C=1e10).fit(logit(valid)[:, None], valid_labels)
    assert free.coef_[0, 0] < 0
    raw_auc = roc_auc_score(test_labels, test)
    flipped = roc_auc_score(test_labels, free.predict_proba(logit(test)[:, None])[:, 1])
    assert raw_auc < 0.4 and flipped == pytest.approx(1 - raw_auc)

    platt = Platt().fit(valid, valid_labels)
    assert platt.slope == 0.0  # the bounded optimum of a concave likelihood sits on the bound
    calibrated = platt.transform(test)
    # slope 0: a constant, the smoothed valid positive rate; never a reversed ranking
    n_pos = valid_labels.sum()
    expected = ((n_pos + 1) / (n_pos + 2) * n_pos + (len(valid) - n_pos) / (len(valid) - n_pos + 2)) / len(valid)
    np.testing.assert_allclose(calibrated, expected, rtol=1e-6)
    assert roc_auc_score(test_labels, calibrated) == 0.5


def test_platt_equals_maximum_likelihood_when_the_slope_is_positive() -> None:
    """Against sklearn's (unregularised) logistic regression on Platt's smoothed targets, as weights."""
    rng = np.random.default_rng(3)
    labels = (rng.random(600) < 0.3).astype(int)
    scores = 1 / (1 + np.exp(-(2.5 * rng.normal(size=600) + 2.0 * labels - 1.0)))
    platt = Platt().fit(scores, labels)
    n_pos, n_neg = labels.sum(), (1 - labels).sum()
    target = np.where(labels == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    x = np.r_[logit(scores), logit(scores)][:, None]
    reference = LogisticRegression(C=1e10, tol=1e-10, max_iter=10_000).fit(
        x, np.r_[np.ones(600), np.zeros(600)], sample_weight=np.r_[target, 1 - target]
    )
    assert platt.slope == pytest.approx(reference.coef_[0, 0], rel=1e-3)
    assert platt.intercept == pytest.approx(reference.intercept_[0], abs=1e-3)


def test_isotonic_equals_sklearns_and_may_tie_but_never_reorders() -> None:
    rng = np.random.default_rng(5)
    labels = (rng.random(500) < 0.5).astype(int)
    scores = np.round(1 / (1 + np.exp(-(rng.normal(size=500) + labels))), 2)  # rounded: tied scores too
    test = rng.random(300)
    iso = Isotonic().fit(scores, labels)
    reference = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, labels)
    np.testing.assert_allclose(iso.transform(test), reference.predict(test), atol=1e-12)
    order = np.argsort(test)
    assert (np.diff(iso.transform(test)[order]) >= 0).all()
    # ties: a step function maps distinct test scores to one value, so its AUC can differ from the raw AUC;
    # that is why the record takes AUC from the raw scores
    assert np.unique(iso.transform(test)).size < np.unique(test).size
    assert len(iso.x) < np.unique(scores).size  # only the ends of each step are kept


@pytest.mark.parametrize("make", CALIBRATORS)
def test_every_calibrator_is_monotone_and_rebuilds_from_its_params(make: type[Calibrator]) -> None:
    rng = np.random.default_rng(7)
    for valid, labels in (anti_correlated(300, 2), (rng.random(300), (rng.random(300) < 0.5).astype(int))):
        fitted = make().fit(valid, labels)
        grid = np.linspace(0, 1, 2001)
        assert (np.diff(fitted.transform(grid)) >= 0).all()
        params = json.loads(json.dumps(fitted.params()))  # plain JSON, as metrics.json holds it
        rebuilt = Calibrator.from_params(params)
        assert type(rebuilt) is make and rebuilt.params() == fitted.params()
        np.testing.assert_array_equal(rebuilt.transform(grid), fitted.transform(grid))
        assert instantiate(params).params() == fitted.params()  # Hydra reads the same dict


def test_identity_passes_probabilities_through_and_bad_input_is_refused() -> None:
    probs = np.array([0.0, 0.2, 0.9, 1.0])
    np.testing.assert_array_equal(Identity().fit(probs, [0, 1, 0, 1]).transform(probs), probs)
    with pytest.raises(RuntimeError, match="before fit"):
        Platt().transform(probs)
    with pytest.raises(ValueError, match="probabilities"):
        Platt().fit(np.array([0.1, 1.5]), [0, 1])
    with pytest.raises(ValueError, match="labels"):
        Isotonic().fit(probs, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="not a calibrator"):
        Calibrator.from_params({"_target_": "collections.OrderedDict"})


@pytest.mark.parametrize(("group", "name"), sorted(SCHEMAS))
def test_schema_defaults_equal_the_class_defaults(group: str, name: str) -> None:
    schema = SCHEMAS[(group, name)]
    target = instantiate({"_target_": schema._target_})
    signature = inspect.signature(type(target))
    for spec in fields(schema):
        if spec.name != "_target_":
            assert signature.parameters[spec.name].default == spec.default, spec.name


@pytest.mark.parametrize(("option", "cls"), [("none", Identity), ("platt", Platt), ("isotonic", Isotonic)])
def test_each_option_builds_its_calibrator_and_siamese_runs_accept_it(option: str, cls: type) -> None:
    cfg = compose_config("data=pairs_csv", "embedder=esmc_tiny", f"calibration={option}", "calibration.n_bins=15")
    calibrator = instantiate(cfg.calibration)
    assert type(calibrator) is cls and calibrator.n_bins == 15 and calibrator.name == option
    check_config(cfg)  # calibration no longer refused for pairs


def test_an_unknown_option_or_key_fails_at_composition() -> None:
    with pytest.raises(HydraException):
        compose_config("calibration=beta")
    with pytest.raises(HydraException):
        compose_config("calibration=platt", "calibration.slop=1")
