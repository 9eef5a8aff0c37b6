"""Task-head pieces shared by the families."""

import tf_keras as keras

from slm_edge.models.config import EncoderConfig
from slm_edge.models.layers import FirstToken

# The Dense every family's head ends in, the one that outputs logits.
LOGITS_LAYER = "classifier"


def dense(units: int, name: str, activation: str | None = None) -> keras.layers.Dense:
    """A Dense layer initialised as Hugging Face initialises new heads."""
    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        name=name,
    )


def first_token(sequence_output):
    """Hidden state of [CLS] / <s>."""
    return FirstToken(name="first_token")(sequence_output)


def token_classifier(sequence_output, config: EncoderConfig, num_labels: int):
    """Per-token logits: dropout then one Dense, as every family's ForTokenClassification."""
    x = keras.layers.Dropout(config.classifier_dropout, name="head_dropout")(sequence_output)
    return dense(num_labels, LOGITS_LAYER)(x)
