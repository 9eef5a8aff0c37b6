"""Validation of converted variants on real dev data: accuracy, agreement, numeric drift, latency.

Each variant's file, as it will ship, runs through the device runtime
(``slm_edge.runtime.TextClassifier``, 1 thread): every text is padded to the smallest
length bucket that fits, exactly as on a device. Latency is per request, tokenization
included.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from slm_edge.evaluation import evaluate_predictions
from slm_edge.runtime import TextClassifier


def _p50_ms(seconds: list[float]) -> float:
    return float(np.median(seconds) * 1000)


def padded_latency_ms(classifier: TextClassifier, text: str, length: int, runs: int = 30) -> float:
    """p50 milliseconds of one request padded to ``length``, after warm-up."""
    for _ in range(3):
        classifier.probabilities([text], pad_to=length)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        classifier.probabilities([text], pad_to=length)
        seconds.append(time.perf_counter() - started)
    return _p50_ms(seconds)


@dataclass
class VariantValidation:
    """How one variant did against the Keras float model on the dev set."""

    variant: str
    size_bytes: int
    accuracy: float
    macro_f1: float
    agreement: float
    max_abs_prob_diff: float
    mean_abs_prob_diff: float
    max_abs_logprob_diff: float
    p50_ms_128: float
    p50_ms_dev: float
    passed: bool = True

    def metrics(self) -> dict:
        return {
            key: round(getattr(self, key), 6)
            for key in (
                "accuracy",
                "macro_f1",
                "agreement",
                "max_abs_prob_diff",
                "mean_abs_prob_diff",
                "max_abs_logprob_diff",
            )
        }


def validate_variant(
    variant: str,
    model_path: Path,
    tokenizer_path: Path,
    texts: list[str],
    y_true: np.ndarray,
    labels: list[str],
    reference_probabilities: np.ndarray,
    buckets: list[int],
    max_length: int,
) -> VariantValidation:
    """Scores the model file on the dev texts and times it (1 thread)."""
    with TextClassifier.from_files(
        model_path, tokenizer_path, labels, max_length, num_threads=1, sequence_lengths=buckets
    ) as classifier:
        rows, seconds = [], []
        for text in texts:
            started = time.perf_counter()
            rows.append(classifier.probabilities([text])[0])
            seconds.append(time.perf_counter() - started)
        p50_128 = padded_latency_ms(classifier, texts[0], max_length)
    probabilities = np.stack(rows)
    report = evaluate_predictions(y_true, probabilities.argmax(-1), labels)
    eps = 1e-12
    logprob_diff = np.abs(np.log(probabilities + eps) - np.log(reference_probabilities + eps)).max()
    difference = np.abs(probabilities - reference_probabilities)
    return VariantValidation(
        variant=variant,
        size_bytes=model_path.stat().st_size,
        accuracy=report.accuracy,
        macro_f1=report.macro_f1,
        agreement=float(np.mean(probabilities.argmax(-1) == reference_probabilities.argmax(-1))),
        max_abs_prob_diff=float(difference.max()),
        mean_abs_prob_diff=float(difference.mean()),
        max_abs_logprob_diff=float(logprob_diff),
        p50_ms_128=p50_128,
        p50_ms_dev=_p50_ms(seconds),
    )
