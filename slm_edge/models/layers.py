"""Custom tf_keras layers shared by every encoder family.

Everything with weights that tfmot knows how to quantize (Dense, Embedding) is a
stock layer, so QAT can wrap it; only the weight-free glue lives here, plus the
position table, which must be sliced to the input length.
"""

import tensorflow as tf
import tf_keras as keras

MASK_PENALTY = -10000.0  # added to padded keys; exp(-1e4) underflows to 0 and stays int8-friendly


@keras.utils.register_keras_serializable(package="slm_edge")
class PositionEmbedding(keras.layers.Layer):
    """Learned position embeddings for the first ``seq_len`` positions.

    With ``offset > 0`` (RoBERTa, where it is the padding id) positions count from
    ``offset + 1`` over real tokens and padding takes row ``offset``, as Hugging Face does.
    """

    def __init__(self, max_positions: int, hidden_size: int, offset: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.max_positions = max_positions
        self.hidden_size = hidden_size
        self.offset = offset

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.max_positions, self.hidden_size),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        )
        super().build(input_shape)

    def call(self, input_ids):
        if self.offset:
            is_token = tf.cast(tf.not_equal(input_ids, self.offset), tf.int32)
            position_ids = tf.cumsum(is_token, axis=1) * is_token + self.offset
            return tf.gather(self.embeddings, position_ids)
        seq_len = tf.shape(input_ids)[1]
        return tf.expand_dims(self.embeddings[:seq_len], 0)

    def get_config(self):
        return {
            **super().get_config(),
            "max_positions": self.max_positions,
            "hidden_size": self.hidden_size,
            "offset": self.offset,
        }


@keras.utils.register_keras_serializable(package="slm_edge")
class AttentionMaskBias(keras.layers.Layer):
    """Turns a ``[batch, seq]`` 0/1 mask into an additive ``[batch, 1, 1, seq]`` bias."""

    def call(self, attention_mask):
        mask = tf.cast(attention_mask, self.compute_dtype)
        return ((1.0 - mask) * MASK_PENALTY)[:, tf.newaxis, tf.newaxis, :]


@keras.utils.register_keras_serializable(package="slm_edge")
class ScaledDotProductAttention(keras.layers.Layer):
    """Multi-head softmax attention over already projected queries, keys and values.

    The projections are ordinary Dense layers outside this layer so that QAT can
    quantize them; the matmuls and softmax in here stay float (see converters/qat.py).
    """

    def __init__(self, num_heads: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.dropout = dropout
        self.dropout_layer = keras.layers.Dropout(dropout)

    def _split_heads(self, x, batch, seq_len, head_size):
        x = tf.reshape(x, [batch, seq_len, self.num_heads, head_size])
        return tf.transpose(x, [0, 2, 1, 3])

    def call(self, inputs, training=None):
        query, key, value, bias = inputs
        hidden_size = query.shape[-1]
        head_size = hidden_size // self.num_heads
        batch, seq_len = tf.shape(query)[0], tf.shape(query)[1]
        query = self._split_heads(query, batch, seq_len, head_size)
        key = self._split_heads(key, batch, seq_len, head_size)
        value = self._split_heads(value, batch, seq_len, head_size)
        scores = tf.matmul(query, key, transpose_b=True) * (1.0 / head_size**0.5) + bias
        probs = self.dropout_layer(tf.nn.softmax(scores, axis=-1), training=training)
        context = tf.transpose(tf.matmul(probs, value), [0, 2, 1, 3])
        return tf.reshape(context, [batch, seq_len, hidden_size])

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "dropout": self.dropout}


@keras.utils.register_keras_serializable(package="slm_edge")
class FirstToken(keras.layers.Layer):
    """Selects the hidden state of the first token ([CLS] or <s>)."""

    def call(self, sequence_output):
        return sequence_output[:, 0, :]


@keras.utils.register_keras_serializable(package="slm_edge")
class ZerosLike(keras.layers.Layer):
    """Segment ids of zero, for families (RoBERTa) with a segment table but no segment input."""

    def call(self, input_ids):
        return tf.zeros_like(input_ids)


@keras.utils.register_keras_serializable(package="slm_edge")
class ChannelScale(keras.layers.Layer):
    """Multiplies the last axis by a fixed per-channel scale (ones until it is set).

    Only the QAT graph has them: after each projection that feeds a residual add, and
    after the attention core for the value projection, so that the projection's int8
    output can give every channel the same range (see
    ``converters.qat.equalize_output_ranges``). ``int8_output`` marks the one whose
    output the QAT scheme quantizes (the attention core's).
    """

    def __init__(self, int8_output: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.int8_output = int8_output

    def build(self, input_shape):
        self.scale = self.add_weight(
            name="scale", shape=(input_shape[-1],), initializer="ones", trainable=False
        )
        super().build(input_shape)

    def call(self, x):
        return x * self.scale

    def get_config(self):
        return {**super().get_config(), "int8_output": self.int8_output}
