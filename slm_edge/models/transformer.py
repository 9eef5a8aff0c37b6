"""The post-LayerNorm Transformer encoder graph that BERT, RoBERTa and DistilBERT share.

Layers are named ``<block>_<role>`` so that each family can map them to its
Hugging Face tensor names with one table (see ``slm_edge/models/weights.py``).
"""

import tf_keras as keras

from slm_edge.models.config import EncoderConfig
from slm_edge.models.heads import dense
from slm_edge.models.layers import (
    AttentionMaskBias,
    ChannelScale,
    PositionEmbedding,
    ScaledDotProductAttention,
    ZerosLike,
)


@keras.utils.register_keras_serializable(package="slm_edge")
def gelu_tanh(x):
    """GELU with the tanh approximation (Hugging Face's ``gelu_new``)."""
    return keras.activations.gelu(x, approximate=True)


# Hugging Face ``hidden_act`` names -> Keras activations (plain "gelu" is the exact erf form).
ACTIVATIONS = {
    "gelu": "gelu",
    "gelu_new": gelu_tanh,
    "gelu_pytorch_tanh": gelu_tanh,
    "relu": "relu",
}


def make_inputs(input_names: tuple[str, ...]) -> dict:
    """Named int32 ``[batch, seq]`` inputs with a dynamic sequence dimension."""
    return {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in input_names}


def _token_dense(units: int, name: str, x, as_conv: bool, rescaled: bool = False):
    """A Dense over every token; with ``as_conv``, the same map as a 1×1 convolution.

    The convolution form exists for QAT export: tfmot quantizes Conv2D kernels per
    output channel and the TFLite converter turns them into per-channel int8 CONV_2D
    ops, which XNNPACK runs. A per-channel Dense cannot be converted (the converter's
    kernel transpose loses the quantized axis); see docs/conversion.md. With
    ``rescaled`` (projections that feed a residual add) a ChannelScale follows.
    """
    if not as_conv:
        return dense(units, name)(x)
    width = x.shape[-1]
    image = keras.layers.Reshape((-1, 1, width), name=f"{name}_to_image")(x)
    convolved = keras.layers.Conv2D(
        units,
        1,
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        name=name,
    )(image)
    tokens = keras.layers.Reshape((-1, units), name=f"{name}_to_tokens")(convolved)
    return ChannelScale(name=f"{name}_rescale")(tokens) if rescaled else tokens


def encoder_graph(inputs: dict, config: EncoderConfig, conv_dense: bool = False):
    """Wires embeddings and ``config.num_layers`` blocks; returns the last hidden state.

    ``conv_dense`` runs every per-token Dense as a 1×1 convolution, for QAT export.
    """
    # Embeddings.
    word = keras.layers.Embedding(
        config.vocab_size,
        config.hidden_size,
        embeddings_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        name="embeddings_word",
    )(inputs["input_ids"])
    position = PositionEmbedding(
        config.max_positions,
        config.hidden_size,
        offset=config.position_offset,
        name="embeddings_position",
    )(inputs["input_ids"])
    summed = [word, position]
    if config.type_vocab_size:
        token_type_ids = inputs.get("token_type_ids")
        if token_type_ids is None:
            token_type_ids = ZerosLike(name="token_type_zeros")(inputs["input_ids"])
        summed.append(
            keras.layers.Embedding(
                config.type_vocab_size, config.hidden_size, name="embeddings_token_type"
            )(token_type_ids)
        )
    x = keras.layers.Add(name="embeddings_sum")(summed)
    x = keras.layers.LayerNormalization(epsilon=config.layer_norm_eps, name="embeddings_norm")(x)
    x = keras.layers.Dropout(config.hidden_dropout, name="embeddings_dropout")(x)
    bias = AttentionMaskBias(name="attention_mask_bias")(inputs["attention_mask"])

    # Blocks.
    for i in range(config.num_layers):
        block = f"layer_{i}"
        query = _token_dense(config.hidden_size, f"{block}_query", x, conv_dense)
        key = _token_dense(config.hidden_size, f"{block}_key", x, conv_dense)
        value = _token_dense(config.hidden_size, f"{block}_value", x, conv_dense)
        context = ScaledDotProductAttention(
            config.num_heads, config.attention_dropout, name=f"{block}_attention"
        )([query, key, value, bias])
        if conv_dense:
            # Attention is linear in each value channel, so a value channel's scale can
            # be multiplied back after the attention core (converters/qat.py).
            context = ChannelScale(int8_output=True, name=f"{block}_value_rescale")(context)
        attended = _token_dense(
            config.hidden_size, f"{block}_attention_output", context, conv_dense, rescaled=True
        )
        attended = keras.layers.Dropout(config.hidden_dropout)(attended)
        x = keras.layers.Add(name=f"{block}_attention_residual")([x, attended])
        x = keras.layers.LayerNormalization(
            epsilon=config.layer_norm_eps, name=f"{block}_attention_norm"
        )(x)
        hidden = _token_dense(config.intermediate_size, f"{block}_intermediate", x, conv_dense)
        hidden = keras.layers.Activation(
            ACTIVATIONS[config.hidden_act], name=f"{block}_activation"
        )(hidden)
        hidden = _token_dense(
            config.hidden_size, f"{block}_output", hidden, conv_dense, rescaled=True
        )
        hidden = keras.layers.Dropout(config.hidden_dropout)(hidden)
        x = keras.layers.Add(name=f"{block}_output_residual")([x, hidden])
        x = keras.layers.LayerNormalization(
            epsilon=config.layer_norm_eps, name=f"{block}_output_norm"
        )(x)
    return x


def last_hidden_state_layer_name(config: EncoderConfig) -> str:
    """Name of the layer whose output is the encoder's last hidden state."""
    return f"layer_{config.num_layers - 1}_output_norm"
