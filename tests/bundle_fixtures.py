"""Tiny bundles for runtime and server tests, converted in seconds from random checkpoints.

Until the tests switch to the converter (``slm-edge convert``), ``make_tiny_bundle``
writes a bundle itself in the format of docs/bundle-format.md: a softmax-topped Keras
model exported with a dynamic sequence dimension, builtin ops only.
"""

import shutil
from pathlib import Path

from slm_edge.bundle import MODEL_FILE, BundleManifest, write_manifest
from slm_edge.tokenization import TextTokenizer
from tests.conftest import make_tiny_checkpoint

TINY_MAX_LENGTH = 64
TINY_SEQUENCE_LENGTHS = [16, 32, 64]
OUTPUT_NAME = "probabilities"


def _to_tflite(model, variant: str) -> bytes:
    """``model`` (logits) with a softmax on top, as a TFLite flatbuffer of ``variant``."""
    import tensorflow as tf
    import tf_keras as keras

    probabilities = keras.layers.Softmax(name=OUTPUT_NAME)(model.output)
    inference = keras.Model(model.inputs, probabilities)
    specs = {name: tf.TensorSpec([1, None], tf.int32, name=name) for name in model.input_names}

    @tf.function(input_signature=[specs])
    def serve(inputs):
        return {OUTPUT_NAME: inference(inputs, training=False)}

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [serve.get_concrete_function()], inference
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if variant == "dynamic_int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif variant != "float32":
        raise ValueError(f"the tiny fixture makes float32 and dynamic_int8, not {variant!r}")
    return converter.convert()


def _input_order(model_file: Path, input_names: tuple[str, ...]) -> list[str]:
    """Our input names in the order the converted model declares its input tensors."""
    from ai_edge_litert.interpreter import Interpreter

    details = Interpreter(model_path=str(model_file)).get_input_details()
    return [next(name for name in input_names if name in d["name"]) for d in details]


def _sharpen_head(checkpoint: Path, family: str, factor: float = 50.0) -> None:
    """Scales the random classifier so that different texts get clearly different scores."""
    from safetensors.numpy import load_file, save_file

    from slm_edge.models import SEQUENCE_CLASSIFICATION, family_by_name

    path = checkpoint / "model.safetensors"
    tensors = load_file(path)
    head = family_by_name(family).head_names(SEQUENCE_CLASSIFICATION).top_level["classifier"]
    tensors[f"{head}.weight"] = tensors[f"{head}.weight"] * factor
    save_file(tensors, path, metadata={"format": "pt"})


def make_tiny_bundle(
    directory: Path, family: str = "bert", variants=("float32", "dynamic_int8")
) -> Path:
    """Writes ``directory/checkpoint`` and ``directory/bundle``; returns the bundle directory.

    The checkpoint's random head is scaled up so that texts get clearly different
    scores. The last of ``variants`` is the recommended one (copied to
    ``model.tflite``), and the manifest's ``source_checkpoint`` points at the checkpoint.
    """
    from slm_edge.models import load_classifier

    checkpoint = make_tiny_checkpoint(family, Path(directory) / "checkpoint")
    _sharpen_head(checkpoint, family)
    loaded = load_classifier(checkpoint)
    bundle = Path(directory) / "bundle"
    bundle.mkdir(parents=True)
    for variant in variants:
        (bundle / f"model-{variant}.tflite").write_bytes(_to_tflite(loaded.model, variant))
    recommended = variants[-1]
    shutil.copy2(bundle / f"model-{recommended}.tflite", bundle / MODEL_FILE)
    shutil.copy2(checkpoint / "tokenizer.json", bundle / "tokenizer.json")
    (bundle / "labels.txt").write_text("\n".join(loaded.labels) + "\n", encoding="utf-8")
    input_order = _input_order(bundle / MODEL_FILE, loaded.family.input_names)
    tokenizer = TextTokenizer(bundle / "tokenizer.json", TINY_MAX_LENGTH)
    manifest = BundleManifest(
        family=family,
        task=loaded.task,
        labels=list(loaded.labels),
        max_length=TINY_MAX_LENGTH,
        tokenizer={
            "file": "tokenizer.json",
            "kind": loaded.family.tokenizer_kind,
            "lowercase": tokenizer.lowercase,
            "pad_id": tokenizer.pad_id,
            "vocab_file": None,
        },
        inputs=[{"name": name, "dtype": "int32", "shape": [1, -1]} for name in input_order],
        output={"name": OUTPUT_NAME, "dtype": "float32", "shape": [1, len(loaded.labels)]},
        sequence_lengths=TINY_SEQUENCE_LENGTHS,
        recommended=recommended,
        recommendation_reason="the tiny test fixture recommends its last variant",
        variants={
            variant: {
                "file": f"model-{variant}.tflite",
                "size_bytes": (bundle / f"model-{variant}.tflite").stat().st_size,
            }
            for variant in variants
        },
        source_checkpoint=str(checkpoint),
    )
    write_manifest(bundle, manifest)
    return bundle
