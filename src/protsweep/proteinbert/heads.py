"""Classification heads. Every head layer's name starts with ``head-``: that is how the layer-wise
optimizer and the freezing schedule tell new layers from the backbone."""

from __future__ import annotations

from typing import Any

from protsweep.proteinbert.tf_env import keras

HEAD_PREFIX = "head-"


class DefaultHead:
    """Upstream's head: Dropout -> Dense(1, sigmoid)."""

    def __init__(self, dropout: float = 0.5, name: str = "default") -> None:
        self.dropout = dropout

    def __call__(self, features: Any) -> Any:
        hidden = keras.layers.Dropout(self.dropout, name=f"{HEAD_PREFIX}dropout")(features)
        return keras.layers.Dense(1, activation="sigmoid", name=f"{HEAD_PREFIX}output")(hidden)


class TwoLayerHead:
    """A1: upstream's Dropout, then LayerNorm -> Dense(width, relu) -> Dropout -> Dense(1, sigmoid),
    i.e. the user's plan of inserting a hidden layer between the Dropout and the output Dense."""

    def __init__(
        self, dropout: float = 0.5, width: int = 128, hidden_dropout: float = 0.3, name: str = "two_layer"
    ) -> None:
        self.dropout = dropout
        self.width = width
        self.hidden_dropout = hidden_dropout

    def __call__(self, features: Any) -> Any:
        hidden = keras.layers.Dropout(self.dropout, name=f"{HEAD_PREFIX}dropout")(features)
        hidden = keras.layers.LayerNormalization(name=f"{HEAD_PREFIX}norm")(hidden)
        hidden = keras.layers.Dense(self.width, activation="relu", name=f"{HEAD_PREFIX}hidden")(hidden)
        hidden = keras.layers.Dropout(self.hidden_dropout, name=f"{HEAD_PREFIX}hidden-dropout")(hidden)
        return keras.layers.Dense(1, activation="sigmoid", name=f"{HEAD_PREFIX}output")(hidden)
