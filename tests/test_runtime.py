"""The device runtime on tiny bundles: parity with Keras, buckets, backends, errors, threads."""

import json
import logging
import shutil
import subprocess
import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter as LiteRTInterpreter

from slm_edge.bundle import FORMAT_VERSION, MANIFEST, read_manifest, write_manifest
from slm_edge.errors import BundleError, SlmEdgeError
from slm_edge.runtime import Prediction, TextClassifier
from slm_edge.runtime.pool import Pool
from tests.bundle_fixtures import TINY_MAX_LENGTH, make_tiny_bundle

TEXTS = [
    "good great fun film",
    "bad awful boring plot",
    "the film was fine",
    "it was not very good and the actor was dull",
    "love",
    "this movie is a dull film and the plot was boring , not fun , not good , awful !",
]
FLOAT32_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A BERT bundle with float32 and dynamic_int8 (the recommended one)."""
    return make_tiny_bundle(tmp_path_factory.mktemp("runtime-bert"), "bert")


@pytest.fixture(scope="module", params=["bert", "roberta", "distilbert"])
def family_bundle(request, tmp_path_factory):
    if request.param == "bert":
        return request.getfixturevalue("bundle")
    directory = tmp_path_factory.mktemp(f"runtime-{request.param}")
    return make_tiny_bundle(directory, request.param, variants=("float32",))


@pytest.fixture
def bundle_copy(bundle, tmp_path):
    """A copy of ``bundle`` that a test may damage."""
    return shutil.copytree(bundle, tmp_path / "bundle")


def _keras_probabilities(checkpoint, texts):
    """Probabilities of the source Keras model, each text alone at its own length."""
    from slm_edge.models import load_classifier
    from slm_edge.tokenization import TextTokenizer

    loaded = load_classifier(checkpoint)
    tokenizer = TextTokenizer(checkpoint / "tokenizer.json", TINY_MAX_LENGTH)
    rows = []
    for text in texts:
        inputs = tokenizer.encode([text]).as_inputs(loaded.family.input_names)
        logits = loaded.model(inputs, training=False).numpy()[0]
        rows.append(np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum())
    return loaded.labels, np.array(rows)


def test_float32_matches_keras_on_every_family(family_bundle):
    manifest = read_manifest(family_bundle)
    labels, expected = _keras_probabilities(family_bundle.parent / "checkpoint", TEXTS)
    classifier = TextClassifier.from_bundle(family_bundle, variant="float32")
    predictions = classifier.classify(TEXTS, top_k=len(labels))
    got = np.array([[p.scores[label] for label in labels] for p in predictions])

    # The texts' scores differ by far more than the tolerance, so the check can tell them apart.
    assert np.ptp(expected, axis=0).max() > 10 * FLOAT32_TOLERANCE
    assert classifier.labels == labels == manifest.labels
    np.testing.assert_allclose(got, expected, atol=FLOAT32_TOLERANCE)
    assert [p.label for p in predictions] == [labels[i] for i in expected.argmax(-1)]


def test_default_runs_the_recommended_model(bundle):
    recommended = TextClassifier.from_bundle(bundle)
    by_name = TextClassifier.from_bundle(bundle, variant=read_manifest(bundle).recommended)
    np.testing.assert_array_equal(recommended.probabilities(TEXTS), by_name.probabilities(TEXTS))
    assert recommended.model_path.name == "model.tflite"


def test_prediction_ranks_every_label(bundle):
    classifier = TextClassifier.from_bundle(bundle)
    for prediction in classifier.classify(TEXTS, top_k=5):
        assert isinstance(prediction, Prediction)
        ranked = sorted(prediction.scores.items(), key=lambda item: -item[1])
        assert prediction.top_k == ranked  # top_k beyond the label count gives every label
        assert (prediction.label, prediction.score) == ranked[0]
        assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert [len(p.top_k) for p in classifier.classify(TEXTS[:2], top_k=2)] == [2, 2]


def test_short_texts_use_the_smallest_bucket(bundle):
    classifier = TextClassifier.from_bundle(bundle, variant="float32")
    assert classifier.buckets == (16, 32, 64)
    assert [classifier.bucket_for(n) for n in (3, 16, 17, 33, 64)] == [16, 16, 32, 64, 64]
    short = classifier.classify(["good film"])[0]
    assert classifier.bucket_for(short.num_tokens) == 16
    # Padding further changes nothing but the cost.
    np.testing.assert_allclose(
        classifier.probabilities(TEXTS[:3], pad_to=TINY_MAX_LENGTH),
        classifier.probabilities(TEXTS[:3]),
        atol=1e-5,
    )


def test_over_long_text_is_truncated_and_flagged(bundle):
    classifier = TextClassifier.from_bundle(bundle)
    long_text, short_text = " ".join(["good film"] * 100), "good film"
    long, short = classifier.classify([long_text, short_text])
    assert long.truncated and long.num_tokens == TINY_MAX_LENGTH
    assert not short.truncated and short.num_tokens == 4


def test_from_files_loads_a_bare_model(bundle, tmp_path):
    labels_file = shutil.copy(bundle / "labels.txt", tmp_path / "labels.txt")
    bare = TextClassifier.from_files(
        bundle / "model-float32.tflite", bundle / "tokenizer.json", labels_file, TINY_MAX_LENGTH
    )
    from_bundle = TextClassifier.from_bundle(bundle, variant="float32")
    assert bare.manifest is None and bare.labels == from_bundle.labels
    np.testing.assert_allclose(
        bare.probabilities(TEXTS), from_bundle.probabilities(TEXTS), atol=1e-6
    )


def test_threads_default_to_every_core_and_load_is_timed(bundle):
    import os

    classifier = TextClassifier.from_bundle(bundle)
    assert classifier.num_threads == os.cpu_count()
    assert classifier.backend == "ai_edge_litert"
    assert classifier.load_seconds > 0
    assert TextClassifier.from_bundle(bundle, num_threads=1).num_threads == 1


def _block_litert(monkeypatch):
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)


def test_falls_back_to_tflite_runtime_and_says_so(bundle, monkeypatch, caplog):
    _block_litert(monkeypatch)
    package = types.ModuleType("tflite_runtime")
    module = types.ModuleType("tflite_runtime.interpreter")
    module.Interpreter = LiteRTInterpreter  # the same engine under the legacy wheel's name
    monkeypatch.setitem(sys.modules, "tflite_runtime", package)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", module)
    with caplog.at_level(logging.WARNING, logger="slm_edge.runtime"):
        classifier = TextClassifier.from_bundle(bundle)
    assert classifier.backend == "tflite_runtime"
    assert "ai_edge_litert is not installed" in caplog.text
    assert classifier.classify(TEXTS[:1])[0].label in classifier.labels


@pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated")
def test_falls_back_to_tensorflow_and_says_so(bundle, monkeypatch, caplog):
    expected = TextClassifier.from_bundle(bundle, variant="float32").probabilities(TEXTS)
    _block_litert(monkeypatch)
    monkeypatch.setitem(sys.modules, "tflite_runtime", None)
    with caplog.at_level(logging.WARNING, logger="slm_edge.runtime"):
        classifier = TextClassifier.from_bundle(bundle, variant="float32")
    assert classifier.backend == "tensorflow"
    assert "with tensorflow instead" in caplog.text
    np.testing.assert_allclose(classifier.probabilities(TEXTS), expected, atol=1e-5)


def test_no_backend_is_a_clear_error(bundle, monkeypatch):
    _block_litert(monkeypatch)
    monkeypatch.setitem(sys.modules, "tflite_runtime", None)
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(SlmEdgeError, match="pip install ai-edge-litert"):
        TextClassifier.from_bundle(bundle)


def test_rejects_bundle_with_a_flipped_byte(bundle_copy):
    model = bundle_copy / "model.tflite"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.tflite: sha256 does not match"):
        TextClassifier.from_bundle(bundle_copy)


def test_rejects_bundle_with_a_missing_tokenizer(bundle_copy):
    (bundle_copy / "tokenizer.json").unlink()
    with pytest.raises(BundleError, match=r"tokenizer\.json: missing"):
        TextClassifier.from_bundle(bundle_copy)


def test_rejects_unknown_format_version(bundle_copy):
    path = bundle_copy / MANIFEST
    raw = json.loads(path.read_text())
    raw["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(raw))
    with pytest.raises(BundleError, match="format_version 2 is not supported"):
        TextClassifier.from_bundle(bundle_copy)


def test_rejects_manifest_with_other_input_order(bundle_copy):
    manifest = read_manifest(bundle_copy)
    manifest.inputs = manifest.inputs[::-1]
    write_manifest(bundle_copy, manifest)
    with pytest.raises(BundleError, match="model's inputs are .* but manifest.json lists"):
        TextClassifier.from_bundle(bundle_copy)


def test_rejects_labels_that_do_not_match_the_output(bundle_copy):
    manifest = read_manifest(bundle_copy)
    manifest.labels = [*manifest.labels, "extra"]
    write_manifest(bundle_copy, manifest)
    with pytest.raises(BundleError, match="outputs 3 scores but there are 4 labels"):
        TextClassifier.from_bundle(bundle_copy)


def test_rejects_unknown_variant(bundle):
    with pytest.raises(BundleError, match="variant 'qat_int8' is not in this bundle"):
        TextClassifier.from_bundle(bundle, variant="qat_int8")


def test_concurrent_callers_get_the_serial_results(bundle):
    classifier = TextClassifier.from_bundle(bundle, num_threads=1, max_concurrency=4)
    texts = [f"{a} {b}" for a in TEXTS for b in TEXTS]  # 36 texts over several buckets
    serial = [(p.label, p.scores) for p in classifier.classify(texts)]
    start = threading.Barrier(8)

    def worker(offset: int):
        start.wait()
        rotated = texts[offset:] + texts[:offset]
        # Single texts and batches mixed, so calls interleave on the pool.
        results = [classifier.classify([text])[0] for text in rotated[:12]]
        results += classifier.classify(rotated[12:])
        return [(p.label, p.scores) for p in results]

    with ThreadPoolExecutor(8) as executor:
        outcomes = list(executor.map(worker, range(0, 32, 4)))
    for offset, outcome in zip(range(0, 32, 4), outcomes, strict=True):
        assert outcome == serial[offset:] + serial[:offset]
    assert 1 <= classifier._pool.created <= 4


def test_pool_lends_each_item_to_one_caller_and_waits_at_the_limit():
    made = []
    pool = Pool(lambda: made.append(object()) or made[-1], max_size=2)
    with pool.checkout() as first, pool.checkout() as second:
        assert first is not second and pool.created == 2
        waiter_got = []

        def third_caller():
            with pool.checkout() as item:
                waiter_got.append(item)

        waiter = threading.Thread(target=third_caller)
        waiter.start()
        waiter.join(timeout=0.2)
        assert waiter.is_alive() and not waiter_got  # a third caller waits
    waiter.join(timeout=5)
    assert waiter_got[0] in (first, second) and pool.created == 2


def test_closed_classifier_refuses_work(bundle):
    with TextClassifier.from_bundle(bundle) as classifier:
        classifier.classify(TEXTS[:1])
    with pytest.raises(RuntimeError, match="closed"):
        classifier.classify(TEXTS[:1])


def test_runtime_never_imports_tensorflow(bundle):
    code = (
        "import sys\n"
        "from slm_edge.runtime import TextClassifier\n"
        "prediction = TextClassifier.from_bundle(sys.argv[1]).classify(['good film'])[0]\n"
        "assert prediction.label in ('negative', 'neutral', 'positive'), prediction\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tf_keras'))\n"
        "assert not loaded, loaded\n"
        "print(prediction.label)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(bundle)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ("negative", "neutral", "positive")


def test_text_by_text_tokenization_equals_the_batched_one(tmp_path):
    """The runtime tokenizes one text at a time; training uses the batch pool: same ids."""
    from slm_edge.tokenization import TextTokenizer
    from tests.conftest import VOCAB, _write_wordpiece_tokenizer

    _write_wordpiece_tokenizer(tmp_path, VOCAB)
    texts = ["good fun film", "a", "awful plot , boring ! " * 8, "zebra quilt"]
    batched = TextTokenizer(tmp_path / "tokenizer.json", 16).encode(texts, pad_to=16)
    one_by_one = TextTokenizer(tmp_path / "tokenizer.json", 16, parallel=False).encode(
        texts, pad_to=16
    )
    for field in ("input_ids", "attention_mask", "token_type_ids", "lengths", "truncated"):
        np.testing.assert_array_equal(getattr(batched, field), getattr(one_by_one, field))
    assert batched.truncated.tolist() == [False, False, True, False]
