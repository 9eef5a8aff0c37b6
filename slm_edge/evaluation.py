"""Classification metrics: accuracy, macro-F1, per-class scores and a confusion matrix.

NumPy and the standard library only: the device runtime imports this module too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from slm_edge.errors import DataError

MAX_CONFUSION_GRID_CLASSES = 10
TABLE_NAME_WIDTH = 24
GRID_NAME_WIDTH = 12


@dataclass(frozen=True)
class ClassificationReport:
    """Scores of predicted class ids against true ones.

    Per-class arrays are indexed by class id. ``confusion_matrix[i, j]`` counts examples of
    true class ``i`` predicted as class ``j``. ``macro_f1`` is the mean F1 over the classes
    that occur among the true or the predicted ids.
    """

    label_names: list[str]
    accuracy: float
    macro_f1: float
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion_matrix: np.ndarray

    @property
    def num_examples(self) -> int:
        return int(self.support.sum())

    @property
    def occurring(self) -> np.ndarray:
        """Mask of the classes that are in the true or the predicted ids."""
        return (self.support + self.confusion_matrix.sum(axis=0)) > 0

    def to_dict(self) -> dict:
        """JSON-serialisable form; floats rounded to 6 places."""
        return {
            "num_examples": self.num_examples,
            "accuracy": _rounded(self.accuracy),
            "macro_f1": _rounded(self.macro_f1),
            "labels": list(self.label_names),
            "per_class": {
                name: {
                    "precision": _rounded(self.precision[class_id]),
                    "recall": _rounded(self.recall[class_id]),
                    "f1": _rounded(self.f1[class_id]),
                    "support": int(self.support[class_id]),
                }
                for class_id, name in enumerate(self.label_names)
            },
            "confusion_matrix": self.confusion_matrix.tolist(),
        }

    def format_table(self, max_classes: int = 30) -> str:
        """Plain-text per-class table, accuracy and macro-F1, and the confusion matrix.

        With more than ``max_classes`` classes, only the occurring classes with the lowest F1
        are listed; the confusion matrix is printed for at most 10 classes.
        """
        num_classes = len(self.label_names)
        lines = []
        if num_classes <= max_classes:
            shown = range(num_classes)
        else:
            occurring_ids = np.flatnonzero(self.occurring)
            shown = occurring_ids[np.argsort(self.f1[occurring_ids], kind="stable")][:max_classes]
            lines.append(
                f"(the {len(shown)} classes with the lowest F1 of {num_classes}; "
                "the JSON report lists all)"
            )
        names = [_fit(self.label_names[class_id], TABLE_NAME_WIDTH) for class_id in shown]
        width = max([len("label"), *map(len, names)])
        lines.append(f"{'label':<{width}}  precision  recall      f1  support")
        for name, class_id in zip(names, shown, strict=True):
            lines.append(
                f"{name:<{width}}  "
                f"{self.precision[class_id]:>9.4f}  {self.recall[class_id]:>6.4f}  "
                f"{self.f1[class_id]:>6.4f}  {self.support[class_id]:>7d}"
            )
        correct = int(np.trace(self.confusion_matrix))
        lines += [
            "",
            f"accuracy  {self.accuracy:.4f}  ({correct}/{self.num_examples})",
            f"macro-F1  {self.macro_f1:.4f}  (over {int(self.occurring.sum())} classes)",
            "",
        ]
        if num_classes <= MAX_CONFUSION_GRID_CLASSES:
            lines += self._confusion_grid()
        else:
            lines.append(
                f"confusion matrix: not shown for {num_classes} classes (more than "
                f"{MAX_CONFUSION_GRID_CLASSES}); the JSON report has it"
            )
        return "\n".join(lines)

    def _confusion_grid(self) -> list[str]:
        names = [_fit(name, GRID_NAME_WIDTH) for name in self.label_names]
        name_width = max(len(name) for name in names)
        cell_width = max(*(len(name) for name in names), len(str(self.confusion_matrix.max())))
        header = " " * name_width + "  " + "  ".join(f"{name:>{cell_width}}" for name in names)
        rows = [
            f"{name:<{name_width}}  " + "  ".join(f"{count:>{cell_width}}" for count in row)
            for name, row in zip(names, self.confusion_matrix, strict=True)
        ]
        return ["confusion matrix (rows: true label, columns: predicted label)", header, *rows]


def evaluate_predictions(
    y_true: Sequence[int], y_pred: Sequence[int], label_names: Sequence[str]
) -> ClassificationReport:
    """Score predicted class ids against true ones; ids index ``label_names``."""
    num_classes = len(label_names)
    if num_classes == 0:
        raise DataError("cannot evaluate without label names")
    true_ids = _class_ids(y_true, "true labels", num_classes)
    predicted_ids = _class_ids(y_pred, "predictions", num_classes)
    if len(true_ids) != len(predicted_ids):
        raise DataError(f"{len(true_ids)} true labels but {len(predicted_ids)} predictions")
    if len(true_ids) == 0:
        raise DataError("no examples to evaluate")

    confusion = np.bincount(
        true_ids * num_classes + predicted_ids, minlength=num_classes * num_classes
    ).reshape(num_classes, num_classes)
    true_positives = np.diag(confusion)
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    # F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (support + predicted).
    f1 = _ratio(2 * true_positives, support + predicted)
    return ClassificationReport(
        label_names=list(label_names),
        accuracy=float(true_positives.sum() / len(true_ids)),
        macro_f1=float(f1[(support + predicted) > 0].mean()),
        precision=_ratio(true_positives, predicted),
        recall=_ratio(true_positives, support),
        f1=f1,
        support=support,
        confusion_matrix=confusion,
    )


def write_report(report: ClassificationReport, path: str | Path) -> None:
    """Write ``report.to_dict()`` as indented JSON, creating the parent folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _class_ids(values: Sequence[int], what: str, num_classes: int) -> np.ndarray:
    ids = np.asarray(values)
    if ids.ndim != 1:
        raise DataError(f"the {what} must be a flat sequence of class ids, got shape {ids.shape}")
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise DataError(f"the {what} must be integer class ids, got dtype {ids.dtype}")
    ids = ids.astype(np.int64)
    out_of_range = ids[(ids < 0) | (ids >= num_classes)]
    if out_of_range.size:
        raise DataError(
            f"the {what} contain class id {int(out_of_range[0])}, outside 0 to "
            f"{num_classes - 1}; they do not match the {num_classes} label names"
        )
    return ids


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ``numerator / denominator``, 0 where the denominator is 0."""
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def _rounded(value: float) -> float:
    return round(float(value), 6)


def _fit(name: str, width: int) -> str:
    return name if len(name) <= width else name[: width - 3] + "..."
