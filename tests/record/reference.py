"""Independent computations the record tests compare the writer against."""

from __future__ import annotations

import numpy as np
import pandas as pd


def binned_ece(labels: np.ndarray, probs: np.ndarray, n_bins: int) -> float:
    """Bins [b/n, (b+1)/n), the last one closed; size-weighted |positive rate - mean probability|."""
    frame = pd.DataFrame({"y": labels, "p": probs, "bin": np.minimum(np.floor(probs * n_bins), n_bins - 1)})
    by_bin = frame.groupby("bin").agg(n=("y", "size"), y=("y", "mean"), p=("p", "mean"))
    return float((by_bin["n"] * (by_bin["y"] - by_bin["p"]).abs()).sum() / len(frame))
