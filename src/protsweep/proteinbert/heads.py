"""Classification heads (the ``head`` group). Every head layer's name starts with ``head-``: that is how the
layer-wise optimizer and the freezing schedule tell new layers from the backbone. Keras is imported when a
head is applied, so building the config schema from these signatures never loads TensorFlow."""

from __future__ import annotations

from typing import Any

from protsweep.proteinbert.features import HEAD_PREFIX


class DefaultHead:
    """Upstream's head: Dropout -> Dense(1, sigmoid)."""

    def __init__(self, dropout: float = 0.5) -> None:
        self.dropout = dropout

    def hidden(self, features: Any) -> Any:
        """Everything before the output unit (subclasses insert layers here)."""
        from protsweep.proteinbert.tf_env import keras

        return keras.layers.Dropout(self.dropout, name=f"{HEAD_PREFIX}dropout")(features)

    def __call__(self, features: Any) -> Any:
        from protsweep.proteinbert.tf_env import keras

        return keras.layers.Dense(1, activation="sigmoid", name=f"{HEAD_PREFIX}output")(self.hidden(features))


class TwoLayerHead(DefaultHead):
    """A1: upstream's Dropout, then LayerNorm -> Dense(width, relu) -> Dropout -> Dense(1, sigmoid),
    i.e. the user's plan of inserting a hidden layer between the Dropout and the output Dense."""

    def __init__(self, dropout: float = 0.5, width: int = 128, hidden_dropout: float = 0.3) -> None:
        super().__init__(dropout)
        self.width = width
        self.hidden_dropout = hidden_dropout

    def hidden(self, features: Any) -> Any:
        from protsweep.proteinbert.tf_env import keras

        hidden = keras.layers.LayerNormalization(name=f"{HEAD_PREFIX}norm")(super().hidden(features))
        hidden = keras.layers.Dense(self.width, activation="relu", name=f"{HEAD_PREFIX}hidden")(hidden)
        return keras.layers.Dropout(self.hidden_dropout, name=f"{HEAD_PREFIX}hidden-dropout")(hidden)
