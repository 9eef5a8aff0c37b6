"""MediaPipe metadata: round trip, unchanged LiteRT outputs, and MediaPipe's own TextClassifier.

The MediaPipe check runs scripts/mediapipe_classify.py in .venv-mediapipe (made by
scripts/mediapipe_venv.sh), because mediapipe cannot share the main venv's absl-py.
"""

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import tf_keras as keras
from ai_edge_litert.interpreter import Interpreter

from converters.export import convert_to_tflite, inference_model
from converters.metadata import embed_classifier_metadata, read_metadata
from slm_edge.errors import ConversionError
from slm_edge.models import load_classifier
from slm_edge.tokenization import TextTokenizer
from tests.conftest import LABELS, VOCAB, make_tiny_checkpoint

ROOT = Path(__file__).resolve().parents[1]
MEDIAPIPE_PYTHON = ROOT / ".venv-mediapipe" / "bin" / "python"
CLASSIFY_SCRIPT = ROOT / "scripts" / "mediapipe_classify.py"
# What MediaPipe's BERT preprocessor calls our inputs (written out, not imported, so that a
# wrong mapping in converters.metadata fails here).
EXPECTED_METADATA_NAMES = {
    "input_ids": "ids",
    "attention_mask": "mask",
    "token_type_ids": "segment_ids",
}
# One sentence per label: the head is set so that each is classified as its label.
ANCHORS = {
    "negative": "awful boring film, i hate it",
    "neutral": "the movie is a film",
    "positive": "great fun, love it!",
}
OTHER_TEXTS = ["This plot was not very good.", "A DULL actor"]


def _set_nearest_anchor_head(loaded, tokenizer: TextTokenizer) -> None:
    """Makes the random model a nearest-centroid classifier over the anchors' pooled states.

    A random head scores every text near 1/3; this one gives each anchor its own label with
    a clear margin, so an input fed in the wrong place changes the scores far beyond 1e-5.
    """
    model = loaded.model
    pooled = keras.Model(model.inputs, model.get_layer("pooler").output)
    centroids = np.concatenate(
        [
            pooled(tokenizer.encode([ANCHORS[label]]).as_inputs(model.input_names)).numpy()
            for label in loaded.labels
        ]
    )
    squared = ((centroids[:, None] - centroids[None]) ** 2).sum(-1)
    temperature = squared[squared > 0].min() / 3  # logit margin of at least 3 per anchor
    # -|x - c|^2 / T, up to a term common to all labels: 2 x.c / T - |c|^2 / T.
    kernel = 2 * centroids.T / temperature
    bias = -(centroids**2).sum(-1) / temperature
    model.get_layer("classifier").set_weights([kernel, bias])


def _input_order(flatbuffer: bytes, input_names) -> list[str]:
    details = Interpreter(model_content=flatbuffer).get_input_details()
    return [next(n for n in input_names if n in d["name"]) for d in details]


def _litert_probabilities(flatbuffer: bytes, tokenizer: TextTokenizer, texts) -> np.ndarray:
    runner = Interpreter(model_content=flatbuffer).get_signature_runner()
    rows = [
        runner(**tokenizer.encode([text]).as_inputs(EXPECTED_METADATA_NAMES))["probabilities"]
        for text in texts
    ]
    return np.concatenate(rows)


def _embed(flatbuffer: bytes, checkpoint: Path, input_order, vocab=True, labels=LABELS):
    return embed_classifier_metadata(
        flatbuffer,
        labels=list(labels),
        vocab_path=checkpoint / "vocab.txt" if vocab else None,
        input_order=list(input_order),
        name="tiny classifier",
        description="a tiny random BERT for tests",
        version="0.0.1",
    )


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    """A tiny BERT classifier: plain and annotated flatbuffers, checkpoint, tokenizer."""
    checkpoint = make_tiny_checkpoint("bert", tmp_path_factory.mktemp("tiny-bert"))
    tokenizer = TextTokenizer(checkpoint / "tokenizer.json")
    loaded = load_classifier(checkpoint)
    _set_nearest_anchor_head(loaded, tokenizer)
    plain = convert_to_tflite(inference_model(loaded.model), "float32")
    order = _input_order(plain, loaded.model.input_names)
    return {
        "checkpoint": checkpoint,
        "tokenizer": tokenizer,
        "plain": plain,
        "annotated": _embed(plain, checkpoint, order),
        "order": order,
    }


def test_metadata_round_trips_labels_input_names_and_vocab(bert):
    metadata = read_metadata(bert["annotated"])

    assert metadata["name"] == "tiny classifier"
    assert metadata["labels"] == LABELS
    assert metadata["input_names"] == [EXPECTED_METADATA_NAMES[n] for n in bert["order"]]
    assert metadata["output_names"] == ["probabilities"]
    assert metadata["tokenizer"] == "bert"
    assert metadata["vocab_size"] == len(VOCAB)
    assert metadata["min_parser_version"] == "1.1.0"
    assert metadata["associated_files"] == [
        {"name": "labels.txt", "type": "TENSOR_AXIS_LABELS"},
        {"name": "vocab.txt", "type": "VOCABULARY"},
    ]


def test_files_are_zip_appended_uncompressed(bert):
    with zipfile.ZipFile(io.BytesIO(bert["annotated"])) as archive:
        infos = archive.infolist()
        assert archive.read("vocab.txt") == (bert["checkpoint"] / "vocab.txt").read_bytes()
    assert {i.filename for i in infos} == {"labels.txt", "vocab.txt"}
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
    assert min(i.header_offset for i in infos) >= len(bert["plain"])


def test_annotated_model_gives_identical_litert_outputs(bert):
    texts = [*ANCHORS.values(), *OTHER_TEXTS]
    plain = _litert_probabilities(bert["plain"], bert["tokenizer"], texts)
    annotated = _litert_probabilities(bert["annotated"], bert["tokenizer"], texts)

    np.testing.assert_array_equal(annotated, plain)
    assert [LABELS[i] for i in plain[:3].argmax(-1)] == list(ANCHORS)  # the head works


def test_mediapipe_scores_and_names_match_litert(bert, tmp_path):
    if not MEDIAPIPE_PYTHON.exists():
        message = f"{MEDIAPIPE_PYTHON} is missing; create it with scripts/mediapipe_venv.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    model = tmp_path / "model.tflite"
    model.write_bytes(bert["annotated"])
    texts = [*ANCHORS.values(), *OTHER_TEXTS]

    run = subprocess.run(
        [str(MEDIAPIPE_PYTHON), str(CLASSIFY_SCRIPT), str(model), *texts],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)

    expected = _litert_probabilities(bert["plain"], bert["tokenizer"], texts)
    assert [r["text"] for r in results] == texts
    for result, probabilities in zip(results, expected, strict=True):
        categories = sorted(result["categories"], key=lambda c: c["index"])
        assert [c["category_name"] for c in categories] == LABELS
        scores = [c["score"] for c in categories]
        np.testing.assert_allclose(scores, probabilities, rtol=0, atol=1e-5, err_msg=result["text"])
    top = [r["categories"][0]["category_name"] for r in results[: len(ANCHORS)]]
    assert top == list(ANCHORS)


def test_without_vocab_keeps_labels_and_input_names_only(bert):
    flatbuffer = _embed(bert["plain"], bert["checkpoint"], bert["order"], vocab=False)
    metadata = read_metadata(flatbuffer)

    assert metadata["labels"] == LABELS
    assert metadata["input_names"] == [EXPECTED_METADATA_NAMES[n] for n in bert["order"]]
    assert (metadata["tokenizer"], metadata["vocab_size"]) == (None, None)
    assert metadata["associated_files"] == [{"name": "labels.txt", "type": "TENSOR_AXIS_LABELS"}]
    assert metadata["min_parser_version"] == "1.0.0"


def test_embedding_again_replaces_the_metadata(bert):
    relabelled = ["bad", "so-so", "good"]
    again = _embed(bert["annotated"], bert["checkpoint"], bert["order"], labels=relabelled)

    assert read_metadata(again)["labels"] == relabelled
    assert len(again) == len(
        _embed(bert["plain"], bert["checkpoint"], bert["order"], labels=relabelled)
    )


def test_rejects_input_order_that_contradicts_the_tensor_names(bert):
    wrong = list(reversed(bert["order"]))
    with pytest.raises(ConversionError, match="contradicts"):
        _embed(bert["plain"], bert["checkpoint"], wrong)


def test_rejects_labels_that_do_not_match_the_output(bert):
    with pytest.raises(ConversionError, match="2 labels"):
        _embed(bert["plain"], bert["checkpoint"], bert["order"], labels=["no", "yes"])


def test_two_input_model_gets_no_bert_tokenizer(tmp_path):
    checkpoint = make_tiny_checkpoint("distilbert", tmp_path)
    loaded = load_classifier(checkpoint)
    plain = convert_to_tflite(inference_model(loaded.model), "float32")
    order = _input_order(plain, loaded.model.input_names)
    metadata = read_metadata(_embed(plain, checkpoint, order))

    assert metadata["input_names"] == [EXPECTED_METADATA_NAMES[n] for n in order]
    assert len(metadata["input_names"]) == 2
    assert metadata["tokenizer"] is None
    assert metadata["labels"] == LABELS
