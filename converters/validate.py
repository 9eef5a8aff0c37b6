"""Validation of converted variants on real dev data: accuracy, agreement, numeric drift, latency.

Runs the flatbuffers in LiteRT exactly as the device runtime does: each text is
padded to the smallest length bucket that fits, one interpreter per bucket.
"""

import time
from dataclasses import dataclass, field

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from slm_edge.evaluation import evaluate_predictions
from slm_edge.tokenization import TextTokenizer


def bucket_for(num_tokens: int, buckets: list[int]) -> int:
    """The smallest bucket that holds ``num_tokens`` (the largest if none does)."""
    return next((b for b in sorted(buckets) if b >= num_tokens), max(buckets))


class BucketedModel:
    """A flatbuffer with one interpreter per sequence-length bucket, sized once."""

    def __init__(self, flatbuffer: bytes, input_names: list[str], threads: int = 1):
        self.flatbuffer = flatbuffer
        self.input_names = input_names
        self.threads = threads
        self._runners: dict[int, tuple[Interpreter, dict[str, int], int]] = {}

    def _runner(self, length: int):
        if length not in self._runners:
            interpreter = Interpreter(model_content=self.flatbuffer, num_threads=self.threads)
            by_name = {}
            for detail in interpreter.get_input_details():
                name = next(n for n in self.input_names if n in detail["name"])
                interpreter.resize_tensor_input(detail["index"], [1, length])
                by_name[name] = detail["index"]
            interpreter.allocate_tensors()
            output = interpreter.get_output_details()[0]["index"]
            self._runners[length] = (interpreter, by_name, output)
        return self._runners[length]

    def run(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Probabilities for one padded example (arrays of shape ``[1, length]``)."""
        interpreter, by_name, output = self._runner(inputs["input_ids"].shape[1])
        for name, index in by_name.items():
            interpreter.set_tensor(index, inputs[name])
        interpreter.invoke()
        return interpreter.get_tensor(output)[0].copy()


def run_texts(
    model: BucketedModel, tokenizer: TextTokenizer, texts: list[str], buckets: list[int]
) -> tuple[np.ndarray, list[float]]:
    """Probabilities for every text, and the seconds each invoke took."""
    outputs, seconds = [], []
    for text in texts:
        batch = tokenizer.encode([text])
        length = bucket_for(int(batch.lengths[0]), buckets)
        padded = tokenizer.encode([text], pad_to=length)
        started = time.perf_counter()
        outputs.append(model.run(padded.as_inputs(model.input_names)))
        seconds.append(time.perf_counter() - started)
    return np.stack(outputs), seconds


def padded_latency_ms(
    model: BucketedModel, tokenizer: TextTokenizer, text: str, length: int, runs: int = 30
) -> float:
    """p50 milliseconds of one invoke at a fixed ``length``, after warm-up."""
    inputs = tokenizer.encode([text], pad_to=length).as_inputs(model.input_names)
    for _ in range(3):
        model.run(inputs)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        model.run(inputs)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


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
    ops: list[str] = field(default_factory=list)

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
    flatbuffer: bytes,
    input_names: list[str],
    tokenizer: TextTokenizer,
    texts: list[str],
    y_true: np.ndarray,
    labels: list[str],
    reference_probabilities: np.ndarray,
    buckets: list[int],
    max_length: int,
) -> VariantValidation:
    """Scores ``flatbuffer`` on the dev texts and times it (1 thread)."""
    model = BucketedModel(flatbuffer, input_names, threads=1)
    probabilities, seconds = run_texts(model, tokenizer, texts, buckets)
    report = evaluate_predictions(y_true, probabilities.argmax(-1), labels)
    eps = 1e-12
    logprob_diff = np.abs(np.log(probabilities + eps) - np.log(reference_probabilities + eps)).max()
    difference = np.abs(probabilities - reference_probabilities)
    return VariantValidation(
        variant=variant,
        size_bytes=len(flatbuffer),
        accuracy=report.accuracy,
        macro_f1=report.macro_f1,
        agreement=float(np.mean(probabilities.argmax(-1) == reference_probabilities.argmax(-1))),
        max_abs_prob_diff=float(difference.max()),
        mean_abs_prob_diff=float(difference.mean()),
        max_abs_logprob_diff=float(logprob_diff),
        p50_ms_128=padded_latency_ms(model, tokenizer, texts[0], max_length),
        p50_ms_dev=float(np.median(seconds) * 1000),
    )
