"""Converting a Keras classifier to TFLite flatbuffers, one per quantization variant.

Every variant keeps a dynamic sequence dimension (inputs ``[1, -1]``): the runtime
pads a request to the smallest length bucket that fits, so short texts are cheap,
and the single signature stays loadable by MediaPipe. See docs/conversion.md.
"""

import re
from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf
import tf_keras as keras

from converters.ops import check_builtin_ops
from slm_edge.errors import ConversionError

OUTPUT_NAME = "probabilities"

QUANTIZATION = {
    "float32": {"weights": "float32", "activations": "float32", "method": "none"},
    "float16": {"weights": "float16", "activations": "float32", "method": "post-training"},
    "dynamic_int8": {
        "weights": "int8",
        "activations": "float32 (int8 at run time, dynamic range)",
        "method": "post-training dynamic range",
    },
    "full_int8": {
        "weights": "int8",
        "activations": "int8 where an int8 kernel exists, else float",
        "method": "post-training, calibrated on training texts",
    },
    "qat_int8": {
        "weights": "int8 (per channel in the encoder's projections)",
        "activations": "int8 at fake-quant points, else float",
        "method": "quantization-aware training, distilled from the float model",
    },
}


def inference_model(model: keras.Model) -> keras.Model:
    """``model`` with a softmax on top, so every runtime gets probabilities."""
    probabilities = keras.layers.Softmax(name=OUTPUT_NAME)(model.output)
    return keras.Model(model.inputs, probabilities, name=f"{model.name}_inference")


def _concrete_function(model: keras.Model):
    specs = {name: tf.TensorSpec([1, None], tf.int32, name=name) for name in model.input_names}

    @tf.function(input_signature=[specs])
    def serve(inputs):
        return {OUTPUT_NAME: model(inputs, training=False)}

    return serve.get_concrete_function()


def convert_to_tflite(
    model: keras.Model,
    variant: str,
    representative: Callable[[], Iterable[dict[str, np.ndarray]]] | None = None,
) -> bytes:
    """Converts ``model`` (from ``inference_model``) to the flatbuffer of ``variant``.

    ``representative`` yields input dicts for ``full_int8`` calibration.
    """
    if variant not in QUANTIZATION:
        raise ConversionError(f"unknown variant {variant!r}; expected one of {list(QUANTIZATION)}")
    converter = tf.lite.TFLiteConverter.from_concrete_functions([_concrete_function(model)], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if variant != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if variant == "full_int8":
        if representative is None:
            raise ConversionError("full_int8 needs representative texts for calibration")
        converter.representative_dataset = lambda: (
            [sample[name] for name in model.input_names] for sample in representative()
        )
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS_INT8,
            tf.lite.OpsSet.TFLITE_BUILTINS,
        ]
    try:
        flatbuffer = converter.convert()
    except Exception as error:  # the converter raises ConverterError and friends
        failing = sorted(set(re.findall(r"'tf\.(\w+)'", str(error))))
        named = f" (failing ops: {', '.join(failing)})" if failing else ""
        raise ConversionError(
            f"variant {variant}: TFLite conversion failed{named}: {error}"
        ) from error
    check_builtin_ops(flatbuffer, variant)
    return flatbuffer
