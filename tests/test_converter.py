"""The converter on tiny random models of every family: variants, ops, bundle, errors."""

import json
import re

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras
from ai_edge_litert.interpreter import Interpreter

from converters.export import convert_to_tflite, inference_model
from converters.ops import op_names
from converters.pipeline import ConvertOptions, convert_checkpoint
from converters.qat import equalize_output_ranges
from slm_edge.bundle import VARIANTS, read_manifest, sha256_of, verify_files
from slm_edge.cli import main
from slm_edge.data import read_dataset
from slm_edge.errors import BundleError, ConversionError
from slm_edge.models import build_classifier, copy_weights, load_classifier
from slm_edge.tokenization import TextTokenizer
from slm_edge.training_config import TrainConfig
from tests.conftest import LABELS, make_tiny_checkpoint

# How far each variant's probabilities may drift from Keras float on a random tiny model.
PROBABILITY_TOLERANCE = {
    "float32": 1e-5,
    "float16": 5e-3,
    "dynamic_int8": 3e-2,
    "full_int8": 1e-1,
    "qat_int8": 1e-1,
}
TEXTS = {
    "positive": "good great fun film",
    "negative": "bad awful boring plot",
    "neutral": "the film was fine",
}


TEXTS_BATCH = ["good fun film", "awful boring plot , bad !", "a film"]


def _write_data(path, copies=20):
    rows = [f"{text}\t{label}" for _ in range(copies) for label, text in TEXTS.items()]
    path.write_text("text\tlabel\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module", params=["bert", "roberta", "distilbert"])
def converted(request, tmp_path_factory):
    """(checkpoint dir, bundle dir, results) for each family, every variant."""
    root = tmp_path_factory.mktemp(f"convert-{request.param}")
    checkpoint = make_tiny_checkpoint(request.param, root / "checkpoint")
    data = read_dataset(_write_data(root / "train.tsv"))
    bundle = root / "bundle"
    bundle.mkdir()
    options = ConvertOptions(
        tolerance=1.0, qat_steps=4, calibration_size=16, sequence_lengths=(8, 16, 64)
    )
    manifest, results = convert_checkpoint(
        checkpoint, bundle, data, data, options, TrainConfig(max_length=64, batch_size=8)
    )
    return checkpoint, bundle, manifest, results


def _keras_probabilities(checkpoint, texts, input_names):
    loaded = load_classifier(checkpoint)
    tokenizer = TextTokenizer(checkpoint / "tokenizer.json", 64)
    batch = tokenizer.encode(texts)
    return inference_model(loaded.model)(batch.as_inputs(input_names)).numpy(), tokenizer


def test_every_variant_runs_in_litert_close_to_keras(converted):
    checkpoint, bundle, manifest, _ = converted
    texts = list(TEXTS.values())
    input_names = [spec["name"] for spec in manifest.inputs]
    expected, tokenizer = _keras_probabilities(
        checkpoint, texts, load_classifier(checkpoint).family.input_names
    )
    assert set(manifest.variants) == set(VARIANTS)
    for variant, entry in manifest.variants.items():
        runner = Interpreter(model_path=str(bundle / entry["file"])).get_signature_runner()
        for row, text in enumerate(texts):
            inputs = tokenizer.encode([text]).as_inputs(input_names)
            got = runner(**inputs)["probabilities"][0]
            assert np.abs(got - expected[row]).max() < PROBABILITY_TOLERANCE[variant], variant


def test_variants_use_builtin_ops_only(converted):
    _, bundle, manifest, _ = converted
    for entry in manifest.variants.values():
        names = op_names((bundle / entry["file"]).read_bytes())
        assert "FULLY_CONNECTED" in names
        assert not [n for n in names if n.startswith("Flex") or n == "CUSTOM"]


def test_qat_int8_projections_are_per_channel_int8_convolutions(converted):
    """Every per-token Dense of the QAT export is an int8 CONV_2D with a scale per channel."""
    checkpoint, bundle, manifest, _ = converted
    config = load_classifier(checkpoint).config
    interpreter = Interpreter(model_path=str(bundle / manifest.variants["qat_int8"]["file"]))
    convolutions = [op for op in interpreter._get_ops_details() if op["op_name"] == "CONV_2D"]
    assert len(convolutions) == 6 * config.num_layers  # Q, K, V, attention out, FFN in, out
    for op in convolutions:
        data, kernel = (interpreter._get_tensor_details(i, 0) for i in op["inputs"][:2])
        assert data["dtype"] == np.int8 and kernel["dtype"] == np.int8
        assert len(kernel["quantization_parameters"]["scales"]) == kernel["shape"][0] > 1


def test_qat_int8_keeps_the_residual_stream_layernorm_and_attention_float(converted):
    """No residual sum is rounded to int8; LayerNorm, attention and softmaxes read float.

    tfmot quantizes the output of an unannotated layer that feeds an annotated one, so
    left alone it would round every residual sum (range up to ~190 in MiniLM) to int8
    just before its LayerNorm.
    """
    checkpoint, bundle, manifest, _ = converted
    interpreter = Interpreter(model_path=str(bundle / manifest.variants["qat_int8"]["file"]))
    ops = interpreter._get_ops_details()
    names = {t["index"]: t["name"] for t in interpreter.get_tensor_details()}
    residual = re.compile(r"_residual/|embeddings_sum/")
    sums = {
        op["outputs"][0]
        for op in ops
        if op["op_name"] == "ADD" and residual.search(names[op["outputs"][0]])
    }
    assert len(sums) >= 2 * load_classifier(checkpoint).config.num_layers
    quantized = {op["inputs"][0] for op in ops if op["op_name"] == "QUANTIZE"}
    assert not sums & quantized, [names[index] for index in sums & quantized]
    for kind in ("MEAN", "SOFTMAX", "BATCH_MATMUL"):  # LayerNorm, attention, probabilities
        kernels = [op for op in ops if op["op_name"] == kind]
        assert kernels, kind
        for op in kernels:
            assert interpreter._get_tensor_details(op["inputs"][0], 0)["dtype"] == np.float32, kind


@pytest.mark.parametrize("family", ["bert", "roberta", "distilbert"])
def test_equalized_projections_keep_the_function_and_level_their_channels(family, tmp_path):
    checkpoint = make_tiny_checkpoint(family, tmp_path / family)
    loaded = load_classifier(checkpoint)
    conv = build_classifier(
        loaded.family, loaded.config, loaded.task, len(loaded.labels), conv_dense=True
    )
    copy_weights(loaded.model, conv)
    tokenizer = TextTokenizer(checkpoint / "tokenizer.json", 64)
    batches = [tokenizer.encode(TEXTS_BATCH).as_inputs(conv.input_names)]
    before = conv(batches[0]).numpy()
    np.testing.assert_allclose(before, loaded.model(batches[0]).numpy(), atol=1e-5)

    assert equalize_output_ranges(conv, batches) == 3 * loaded.config.num_layers

    np.testing.assert_allclose(conv(batches[0]).numpy(), before, atol=1e-5)
    real = batches[0]["attention_mask"].reshape(-1).astype(bool)
    projection = conv.get_layer("layer_0_output")
    probe = keras.Model(conv.inputs, projection.output)
    peaks = np.abs(probe(batches[0]).numpy().reshape(real.size, -1)[real]).max(axis=0)
    np.testing.assert_allclose(peaks, 1.0, rtol=1e-4)


def test_manifest_describes_the_bundle_and_hashes_verify(converted):
    _, bundle, manifest, results = converted
    reread = read_manifest(bundle)
    verify_files(bundle, reread)
    assert reread.labels == LABELS
    assert (bundle / "labels.txt").read_text().split("\n")[:3] == LABELS
    assert reread.recommended in reread.variants
    assert sha256_of(bundle / "model.tflite") == reread.files[f"model-{reread.recommended}.tflite"]
    assert reread.calibration["num_examples"] == 16
    assert reread.max_length == 64 and reread.sequence_lengths == [8, 16, 64]
    report = json.loads((bundle / "report.json").read_text())
    assert {v["variant"] for v in report["variants"]} == set(VARIANTS)
    assert "| variant |" in (bundle / "report.md").read_text()


def test_tampered_bundle_file_fails_verification(converted, tmp_path):
    import shutil

    _, bundle, _, _ = converted
    copy = shutil.copytree(bundle, tmp_path / "copy")
    data = bytearray((copy / "model.tflite").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.tflite").write_bytes(bytes(data))
    with pytest.raises(BundleError, match="sha256"):
        verify_files(copy, read_manifest(copy))


def test_quantized_variants_are_smaller_than_float32(converted):
    # Tiny tensors stay float (the converter skips those under 1024 elements) and QAT's
    # quantization parameters outweigh a tiny model's weights, so the real
    # ~4x ratio (QAT included) only shows on real models: see benchmarks/convert_sst2.py.
    _, bundle, manifest, _ = converted
    sizes = {v: (bundle / e["file"]).stat().st_size for v, e in manifest.variants.items()}
    assert sizes == {v: e["size_bytes"] for v, e in manifest.variants.items()}
    for variant in ("float16", "dynamic_int8", "full_int8"):
        assert sizes[variant] < sizes["float32"], (variant, sizes)


@keras.utils.register_keras_serializable(package="tests")
class _Svd(keras.layers.Layer):
    def call(self, x):
        return tf.linalg.svd(x, compute_uv=False)


def test_conversion_failure_names_the_op():
    inputs = keras.Input(shape=(4, 4), batch_size=1, name="input_ids")
    model = keras.Model(inputs, _Svd()(inputs))
    model.input_names  # noqa: B018 - the converter reads it
    with pytest.raises(ConversionError, match="Svd"):
        convert_to_tflite(model, "float32")


def test_cli_reports_missing_checkpoint(tmp_path, capsys):
    code = main(["convert", str(tmp_path / "nope"), "-o", str(tmp_path / "b")])
    assert code == 2
    assert "checkpoint directory not found" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_cli_reports_unsupported_family(tmp_path, capsys):
    (tmp_path / "gpt").mkdir()
    (tmp_path / "gpt" / "config.json").write_text('{"model_type": "gpt2"}')
    code = main(["convert", str(tmp_path / "gpt"), "-o", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert code == 2 and "'gpt2' is not supported" in err and "distilbert" in err


def test_cli_reports_label_mismatch_between_data_and_head(tmp_path, capsys):
    checkpoint = make_tiny_checkpoint("bert", tmp_path / "ck")
    data = tmp_path / "other.tsv"
    data.write_text("text\tlabel\ngood\tyes\nbad\tno\n")
    code = main(["convert", str(checkpoint), "--train", str(data), "-o", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert code == 2 and "head predicts" in err and "['no', 'yes']" in err
    assert not (tmp_path / "b").exists()


def test_cli_reports_data_file_problem_with_line(tmp_path, capsys):
    checkpoint = make_tiny_checkpoint("bert", tmp_path / "ck")
    data = tmp_path / "bad.tsv"
    data.write_bytes(b"text\tlabel\ngood\tpositive\nbad \xff\tnegative\n")
    code = main(["convert", str(checkpoint), "--dev", str(data), "-o", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert code == 2 and "bad.tsv" in err and "line 3" in err


def test_failed_conversion_leaves_no_bundle(tmp_path, monkeypatch, capsys):
    import converters.pipeline as pipeline

    def broken(*args, **kwargs):
        raise ConversionError("variant float32: TFLite conversion failed (failing ops: Svd)")

    monkeypatch.setattr(pipeline, "convert_to_tflite", broken)
    checkpoint = make_tiny_checkpoint("bert", tmp_path / "ck")
    data = _write_data(tmp_path / "d.tsv", copies=2)
    code = main(["convert", str(checkpoint), "--dev", str(data), "-o", str(tmp_path / "b")])
    assert code == 2 and "Svd" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".b.partial")]
