"""Quantization-aware training (QAT) of our functional encoders with tfmot.

Scheme (why each op is int8 or float):

* **Per-token Dense** (Q/K/V, attention output, both feed-forward layers),
  built as 1×1 Conv2D layers: int8 weights, symmetric **per output channel**
  (tfmot's Conv2D default), and int8 outputs. These hold ~99% of the encoder's
  multiply-adds, so they are where int8 pays. A per-channel Dense does not
  convert (see ``slm_edge.models.transformer._token_dense``).
* **Head Dense** (pooler, classifier): int8 weights per tensor; int8 outputs but
  for the logits, which stay float so that probabilities are not in 1/256 steps.
* **Embedding tables**: frozen during QAT and stored as int8 rows with a float
  scale per row (``Int8Embedding``); lookups dequantize the few rows they fetch.
  The word table is half of MiniLM's parameters, and the TFLite converter does
  not fold a fake-quantized table into its gather, so we store int8 ourselves.
* **LayerNorm**: float inside (mean/variance of a 384-wide vector lose too much
  at 8 bits; Q8BERT kept it float too), int8 output so the next Dense gets an
  int8 input.
* **Attention core** (QK^T, scaled, masked, softmax, times V): float, because
  softmax inputs span the -10000 mask penalty and softmax outputs are tiny
  probabilities, both poor fits for one 8-bit range. Its int8 output is taken
  after the value channels' ChannelScale (values are equalized like the residual
  projections below): with the int8 output straight on the core, the converter
  made probs×V an int8 BATCH_MATMUL with probabilities in steps of 1/256, and
  slow here (QAT int8 took 9.1 ms at 128 tokens; 5.0 ms with it float).
* **GELU**: float inside (its curve near 0 is what matters), int8 output feeding
  the second feed-forward Dense.
* **Outputs into the residual stream** (attention and second FFN projections),
  and the value projection: int8 with every channel equalized to one range, the
  channel scales folded into the projection and multiplied back in float
  (``equalize_output_ranges``).
* **Residual adds, position tables, masks, tanh/softmax heads**: float. The
  residual stream spans up to ~190 in MiniLM while most of its channels stay near
  ±1; one int8 range for it cost 3 points of agreement with the float model.

Each rule is a QuantizeConfig below, in the style of tfmot's own registry.
"""

from collections.abc import Callable

import numpy as np
import tensorflow as tf
import tensorflow_model_optimization as tfmot
import tf_keras as keras
from tensorflow_model_optimization.python.core.quantization.keras import quantize_layout_transform
from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
    default_8bit_quantize_registry,
)
from tensorflow_model_optimization.python.core.quantization.keras.graph_transformations import (
    model_transformer,
)

from slm_edge.models.heads import LOGITS_LAYER
from slm_edge.models.layers import (
    AttentionMaskBias,
    ChannelScale,
    FirstToken,
    PositionEmbedding,
    ScaledDotProductAttention,
    ZerosLike,
)
from slm_edge.models.transformer import gelu_tanh

quantizers = tfmot.quantization.keras.quantizers
QuantizeConfig = tfmot.quantization.keras.QuantizeConfig


def _activation_quantizer():
    return quantizers.MovingAverageQuantizer(
        num_bits=8, per_axis=False, symmetric=False, narrow_range=False
    )


class OutputQuantizeConfig(QuantizeConfig):
    """Float inside, int8 output: LayerNorm, the attention core and GELU."""

    def get_weights_and_quantizers(self, layer):
        return []

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        pass

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        return [_activation_quantizer()]

    def get_config(self):
        return {}


@keras.utils.register_keras_serializable(package="slm_edge")
class Int8Embedding(keras.layers.Layer):
    """A frozen embedding table stored as int8 rows, each with its own float scale."""

    def __init__(self, input_dim: int, output_dim: int, **kwargs):
        kwargs["trainable"] = False
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim

    def build(self, input_shape):
        self.table = self.add_weight(
            name="table",
            shape=(self.input_dim, self.output_dim),
            dtype="int8",
            initializer="zeros",
            trainable=False,
        )
        self.scale = self.add_weight(
            name="scale", shape=(self.input_dim, 1), initializer="ones", trainable=False
        )
        super().build(input_shape)

    def set_from_float(self, embeddings: np.ndarray) -> None:
        """Symmetric per-row int8 quantization of a float table."""
        scale = np.maximum(np.abs(embeddings).max(axis=1, keepdims=True), 1e-8) / 127.0
        self.table.assign(np.clip(np.round(embeddings / scale), -127, 127).astype(np.int8))
        self.scale.assign(scale.astype(np.float32))

    def call(self, ids):
        rows = tf.cast(tf.gather(self.table, ids), self.compute_dtype)
        return rows * tf.gather(self.scale, ids)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim}


class FloatQuantizeConfig(OutputQuantizeConfig):
    """Left float entirely: weight-free glue whose outputs are masks, ids or positions."""

    def get_output_quantizers(self, layer):
        return []


def scheme_config(layer: keras.layers.Layer) -> QuantizeConfig | None:
    """The scheme's QuantizeConfig for ``layer``; None means tfmot's built-in default."""
    if isinstance(layer, keras.layers.Dense) and layer.name == LOGITS_LAYER:
        # int8 kernel, float logits: probabilities then leave the model in float
        # rather than in the int8 softmax's steps of 1/256.
        return default_8bit_quantize_registry.Default8BitQuantizeConfig(["kernel"], [], False)
    if isinstance(layer, keras.layers.Dense | keras.layers.Conv2D):
        return None
    if isinstance(layer, keras.layers.LayerNormalization):
        return OutputQuantizeConfig()
    if isinstance(layer, ChannelScale) and layer.int8_output:
        return OutputQuantizeConfig()
    if (
        isinstance(layer, keras.layers.Activation)
        and layer.activation is not keras.activations.tanh
    ):
        return OutputQuantizeConfig()
    return FloatQuantizeConfig()


CUSTOM_OBJECTS = {
    "OutputQuantizeConfig": OutputQuantizeConfig,
    "Int8Embedding": Int8Embedding,
    "FloatQuantizeConfig": FloatQuantizeConfig,
    "PositionEmbedding": PositionEmbedding,
    "AttentionMaskBias": AttentionMaskBias,
    "ChannelScale": ChannelScale,
    "ScaledDotProductAttention": ScaledDotProductAttention,
    "FirstToken": FirstToken,
    "ZerosLike": ZerosLike,
    "gelu_tanh": gelu_tanh,
}

# Layers tfmot must not touch at all. Everything else is annotated, even to stay float:
# tfmot gives an unannotated layer that feeds an annotated one an int8 output, which
# for the residual adds would round the residual stream (range up to ~190) to int8.
_SKIPPED = (keras.layers.InputLayer, keras.layers.Dropout)


class _NoLayoutTransform(quantize_layout_transform.QuantizeLayoutTransform):
    """Skips tfmot's default rewrites, one of which fake-quantizes every model input.

    Our inputs are int32 token ids and masks: quantizing them is meaningless, and
    the default rewrite fails on them. The other rewrites fuse Conv/BatchNorm
    patterns an encoder does not have.
    """

    def apply(self, model, layer_quantize_map):
        return model_transformer.ModelTransformer(
            model, [], set(layer_quantize_map), layer_quantize_map
        ).transform()


class EncoderQuantizeScheme(tfmot.quantization.keras.default_8bit.Default8BitQuantizeScheme):
    """tfmot's default 8-bit scheme without the input rewrite (see _NoLayoutTransform)."""

    def get_layout_transformer(self):
        return _NoLayoutTransform()


def quantize_model(
    model: keras.Model,
    config_for: Callable[[keras.layers.Layer], QuantizeConfig | None] | None = None,
) -> keras.Model:
    """A QAT copy of ``model`` (same weights) with fake-quant where the scheme says.

    ``config_for`` replaces the scheme's rule (layer -> QuantizeConfig, None for tfmot's
    default); benchmarks/qat_sensitivity.py uses it to leave one group float at a time.
    """
    config_for = config_for or scheme_config

    def annotate(layer):
        if isinstance(layer, keras.layers.Embedding):
            return Int8Embedding(layer.input_dim, layer.output_dim, name=layer.name)
        clone = layer.__class__.from_config(layer.get_config())
        if isinstance(layer, _SKIPPED):
            return clone
        return tfmot.quantization.keras.quantize_annotate_layer(clone, config_for(layer))

    with tfmot.quantization.keras.quantize_scope(CUSTOM_OBJECTS):
        annotated = keras.models.clone_model(model, clone_function=annotate)
        clones = {getattr(c, "layer", c).name: getattr(c, "layer", c) for c in annotated.layers}
        for layer in model.layers:
            if not layer.weights:
                continue
            clone = clones[layer.name]
            if isinstance(clone, Int8Embedding):
                clone.set_from_float(layer.get_weights()[0])
            else:
                clone.set_weights(layer.get_weights())
        return tfmot.quantization.keras.quantize_apply(annotated, EncoderQuantizeScheme())


def equalize_output_ranges(model: keras.Model, batches) -> int:
    """Gives every channel of each rescaled projection's output the same range.

    BERT's projections into the residual stream have a few outlier channels (in
    MiniLM's second FFN layer one channel reaches 186 while the median channel peaks
    at 1), so one int8 range for the whole output leaves the ordinary channels a
    step or two. Each channel's peak ``s`` over ``batches`` (real tokens only) is
    divided out of the projection's kernel column and bias and multiplied back in by
    its ChannelScale (``<projection>_rescale``): the float function is unchanged, and
    the int8 output between them holds every channel at about [-1, 1], as per-channel
    activation scales would. The value projection is rescaled too, with its scale
    applied after the attention core. Returns the number of projections rescaled.
    """
    pairs = [
        (model.get_layer(layer.name.removesuffix("_rescale")), layer)
        for layer in model.layers
        if isinstance(layer, ChannelScale)
    ]
    if not pairs:
        return 0
    probe = keras.Model(model.inputs, [projection.output for projection, _ in pairs])
    peaks = [np.zeros(projection.filters, dtype=np.float32) for projection, _ in pairs]
    for batch in batches:
        real = np.asarray(batch["attention_mask"], dtype=bool).reshape(-1)
        for peak, output in zip(peaks, probe(batch, training=False), strict=True):
            values = np.abs(output.numpy().reshape(real.size, -1)[real])
            np.maximum(peak, values.max(axis=0), out=peak)
    for (projection, rescale), peak in zip(pairs, peaks, strict=True):
        scale = np.maximum(peak, 1e-6)
        kernel, bias = projection.get_weights()
        projection.set_weights([kernel / scale, bias / scale])
        rescale.set_weights([rescale.get_weights()[0] * scale])
    return len(pairs)


_RANGE_SUFFIXES = (("output_min", "output_max"), ("post_activation_min", "post_activation_max"))


def calibrate_ranges(qat_model: keras.Model, float_model: keras.Model, batches) -> int:
    """Starts every weight and activation range at what the float model holds and shows.

    tfmot starts ranges at [-6, 6]: kernels move to their real range only at the
    first training step, and activations by an EMA with decay 0.999, too slowly for
    a short QAT schedule (BERT activations reach far outside [-6, 6]). Kernel ranges
    become the kernels' largest magnitude (per channel where the quantizer is), and each
    activation range the mean over ``batches`` of the batch min and max, the value
    that EMA converges to. Returns the number of activation ranges set.
    """
    targets = {}
    for wrapper in qat_model.layers:
        if not isinstance(wrapper, tfmot.quantization.keras.QuantizeWrapperV2):
            continue
        variables = {v.name.split("/")[-1].split(":")[0]: v for v in wrapper.non_trainable_weights}
        if "kernel_min" in variables:
            _set_kernel_range(wrapper, variables["kernel_min"], variables["kernel_max"])
        for low, high in _RANGE_SUFFIXES:
            if low in variables:
                targets[wrapper.layer.name] = (variables[low], variables[high])
    probe = keras.Model(
        float_model.inputs, [float_model.get_layer(name).output for name in targets]
    )
    lows = {name: [] for name in targets}
    highs = {name: [] for name in targets}
    for batch in batches:
        for name, output in zip(targets, probe(batch, training=False), strict=True):
            lows[name].append(float(np.min(output)))
            highs[name].append(float(np.max(output)))
    for name, (low_var, high_var) in targets.items():
        low_var.assign(min(0.0, float(np.mean(lows[name]))))
        high_var.assign(max(0.0, float(np.mean(highs[name]))))
    return len(targets)


def _set_kernel_range(wrapper, low_var: tf.Variable, high_var: tf.Variable) -> None:
    """Symmetric, as tfmot's weight quantizers are: [-max |w|, max |w|]."""
    (kernel,) = [v for v in wrapper.trainable_weights if v.name.endswith("kernel:0")]
    values = np.abs(kernel.numpy())
    per_channel = low_var.shape.rank == 1  # tfmot's per-axis quantizers use the last axis
    bound = values.max(axis=tuple(range(values.ndim - 1)) if per_channel else None)
    low_var.assign(-bound)
    high_var.assign(bound)
