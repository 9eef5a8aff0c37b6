"""Tests of slm_edge.evaluation against hand-computed scores (and scikit-learn if installed)."""

import json

import numpy as np
import pytest

from slm_edge.errors import DataError
from slm_edge.evaluation import evaluate_predictions, write_report

# Four classes; "unused" is neither true nor predicted, so macro-F1 leaves it out.
LABELS = ["negative", "positive", "neutral", "unused"]
Y_TRUE = [0, 0, 0, 1, 1, 2]
Y_PRED = [0, 0, 1, 1, 2, 2]
# By hand: negative TP 2 FP 0 FN 1; positive TP 1 FP 1 FN 1; neutral TP 1 FP 1 FN 0.
EXPECTED_PRECISION = [1.0, 0.5, 0.5, 0.0]
EXPECTED_RECALL = [2 / 3, 0.5, 1.0, 0.0]
EXPECTED_F1 = [0.8, 0.5, 2 / 3, 0.0]
EXPECTED_MACRO_F1 = (0.8 + 0.5 + 2 / 3) / 3
EXPECTED_CONFUSION = [[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]


def test_hand_computed_scores():
    report = evaluate_predictions(Y_TRUE, Y_PRED, LABELS)
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.macro_f1 == pytest.approx(EXPECTED_MACRO_F1)
    assert report.precision == pytest.approx(EXPECTED_PRECISION)
    assert report.recall == pytest.approx(EXPECTED_RECALL)
    assert report.f1 == pytest.approx(EXPECTED_F1)
    assert report.support.tolist() == [3, 2, 1, 0]
    assert report.confusion_matrix.tolist() == EXPECTED_CONFUSION
    assert report.num_examples == 6


def test_predicted_class_without_support_counts_in_macro_f1():
    # "b" is predicted once but never true: precision 0, F1 0, and it is averaged in.
    report = evaluate_predictions([0, 0], [0, 1], ["a", "b", "c"])
    assert report.f1 == pytest.approx([2 / 3, 0.0, 0.0])
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.0) / 2)
    assert report.occurring.tolist() == [True, True, False]


def test_perfect_predictions_from_numpy_arrays():
    ids = np.array([2, 0, 1, 1], dtype=np.int32)
    report = evaluate_predictions(ids, ids.copy(), ["a", "b", "c"])
    assert report.accuracy == 1.0
    assert report.macro_f1 == 1.0
    assert np.array_equal(report.confusion_matrix, np.diag([1, 2, 1]))


def test_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 6, size=500)
    y_pred = np.where(rng.random(500) < 0.6, y_true, rng.integers(0, 7, size=500))
    labels = [f"class {i}" for i in range(8)]
    report = evaluate_predictions(y_true, y_pred, labels)

    all_ids = list(range(8))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=all_ids, zero_division=0
    )
    assert report.accuracy == pytest.approx(metrics.accuracy_score(y_true, y_pred))
    assert report.macro_f1 == pytest.approx(
        metrics.f1_score(y_true, y_pred, average="macro", zero_division=0)
    )
    assert report.precision == pytest.approx(precision)
    assert report.recall == pytest.approx(recall)
    assert report.f1 == pytest.approx(f1)
    assert report.support.tolist() == support.tolist()
    assert report.confusion_matrix.tolist() == (
        metrics.confusion_matrix(y_true, y_pred, labels=all_ids).tolist()
    )


def test_to_dict_is_json_and_rounded():
    report_dict = evaluate_predictions(Y_TRUE, Y_PRED, LABELS).to_dict()
    assert json.loads(json.dumps(report_dict)) == report_dict
    assert report_dict["accuracy"] == 0.666667
    assert report_dict["macro_f1"] == 0.655556
    assert report_dict["labels"] == LABELS
    assert report_dict["per_class"]["neutral"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.666667,
        "support": 1,
    }
    assert report_dict["confusion_matrix"] == EXPECTED_CONFUSION
    assert report_dict["num_examples"] == 6


def test_write_report(tmp_path):
    report = evaluate_predictions(Y_TRUE, Y_PRED, LABELS)
    path = tmp_path / "eval" / "report.json"
    write_report(report, path)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == report.to_dict()
    assert '\n  "accuracy": 0.666667' in text


def test_format_table_small():
    table = evaluate_predictions(Y_TRUE, Y_PRED, LABELS).format_table()
    lines = table.splitlines()
    assert lines[0].split() == ["label", "precision", "recall", "f1", "support"]
    assert lines[1].split() == ["negative", "1.0000", "0.6667", "0.8000", "3"]
    assert "accuracy  0.6667  (4/6)" in table
    assert "macro-F1  0.6556  (over 3 classes)" in table
    grid_start = lines.index("confusion matrix (rows: true label, columns: predicted label)")
    assert lines[grid_start + 1].split() == LABELS
    assert lines[grid_start + 2].split() == ["negative", "2", "1", "0", "0"]


def test_format_table_many_classes():
    num_classes = 12
    y_true = list(range(num_classes)) * 2
    y_pred = list(y_true)
    y_pred[3] = 4  # class 3 gets recall 0.5, class 4 precision 2/3: the two worst F1s
    table = evaluate_predictions(y_true, y_pred, [f"c{i}" for i in range(num_classes)])
    text = table.format_table(max_classes=2)
    lines = text.splitlines()
    assert "the 2 classes with the lowest F1 of 12" in lines[0]
    assert [line.split()[0] for line in lines[2:4]] == ["c3", "c4"]
    assert "c5 " not in text
    assert "confusion matrix: not shown for 12 classes" in text
    assert len(table.format_table().splitlines()) > num_classes


@pytest.mark.parametrize(
    ("y_true", "y_pred", "match"),
    [
        ([0, 1], [0], "2 true labels but 1 predictions"),
        ([0, 1], [0, 3], "class id 3"),
        ([0, -1], [0, 1], "class id -1"),
        ([0.0, 1.0], [0, 1], "integer class ids"),
        ([], [], "no examples"),
    ],
)
def test_rejects_bad_inputs(y_true, y_pred, match):
    with pytest.raises(DataError, match=match):
        evaluate_predictions(y_true, y_pred, ["a", "b"])


def test_rejects_empty_label_names():
    with pytest.raises(DataError, match="label names"):
        evaluate_predictions([0], [0], [])
