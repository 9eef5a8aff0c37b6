"""``TextClassifier``: a bundle's tokenizer and TFLite model behind one thread-safe call.

Each request is padded to the smallest length bucket of the bundle that fits, and runs
on an interpreter sized to that bucket once, so a short text never pays for 128 tokens.
Interpreters are not thread-safe, so each concurrent caller borrows its own set of them
from a pool.
"""

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from slm_edge.bundle import BundleManifest, read_manifest, verify_files
from slm_edge.errors import BundleError
from slm_edge.runtime.interpreter import (
    Backend,
    InterpreterSet,
    ModelSignature,
    find_backend,
    open_interpreter,
    read_signature,
)
from slm_edge.runtime.pool import Pool
from slm_edge.tokenization import EncodedBatch, TextTokenizer

logger = logging.getLogger(__name__)

SEQUENCE_CLASSIFICATION = "sequence-classification"
DEFAULT_SEQUENCE_LENGTHS = (16, 32, 64, 128)


@dataclass(frozen=True)
class Prediction:
    """The classification of one text.

    ``scores`` holds every label's probability; ``top_k`` the best ``k`` as
    ``(label, score)``, best first. ``num_tokens`` counts the tokens the model saw
    (special tokens included, after truncation); ``truncated`` says whether the text
    was longer than the model's ``max_length``.
    """

    label: str
    score: float
    scores: dict[str, float]
    top_k: list[tuple[str, float]]
    truncated: bool
    num_tokens: int


def length_buckets(sequence_lengths, max_length: int) -> tuple[int, ...]:
    """The sorted bucket lengths below ``max_length``, and ``max_length`` itself."""
    return tuple(sorted({n for n in sequence_lengths if 0 < n < max_length} | {max_length}))


def _require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise BundleError(f"{path}: {what} not found; check the path or copy the bundle again")
    return path


def _read_labels(labels: list[str] | str | Path) -> list[str]:
    if isinstance(labels, list | tuple):
        return list(labels)
    path = _require_file(Path(labels), "labels file")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class TextClassifier:
    """Classifies texts with a TFLite model on LiteRT, without TensorFlow.

    Build one with :meth:`from_bundle` (a directory from ``slm-edge convert``) or
    :meth:`from_files` (a bare ``.tflite``, its ``tokenizer.json`` and labels).
    ``classify`` may be called from many threads at once; up to ``max_concurrency``
    callers run in parallel, each on its own interpreters, and others wait.

    Args:
        model_path: the ``.tflite`` file.
        tokenizer_path: its ``tokenizer.json``.
        labels: label names in output order.
        max_length: longest sequence, special tokens included (a model with a fixed
            sequence length uses that instead); longer texts are truncated and flagged.
        sequence_lengths: length buckets a request is padded to.
        num_threads: threads per interpreter (default: every core; LiteRT's own is 1).
        max_concurrency: most interpreter sets, i.e. callers served at once (default:
            cores // num_threads, since more sets would only compete for the same cores).
        manifest: the bundle's manifest, when there is one.
        input_names: the input order the model must have (default: whatever it has).

    Examples:
        >>> classifier = TextClassifier.from_bundle("build/sst2")
        >>> classifier.classify(["a joy to watch"])[0].label
        'positive'
    """

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        labels: list[str],
        max_length: int,
        sequence_lengths: list[int] | tuple[int, ...],
        num_threads: int | None = None,
        max_concurrency: int | None = None,
        manifest: BundleManifest | None = None,
        input_names: list[str] | None = None,
    ):
        started = time.perf_counter()
        cores = os.cpu_count() or 1
        self.num_threads = cores if num_threads is None else num_threads
        if self.num_threads < 1:
            raise ValueError(f"num_threads must be at least 1, got {num_threads}")
        self.model_path = _require_file(Path(model_path), "model file")
        self.manifest = manifest
        self.labels = labels
        self._backend: Backend = find_backend()
        self.backend = self._backend.name
        # Read once: every interpreter is built from these bytes, so replacing or renaming
        # the file while the classifier lives can neither crash it nor mix two models.
        self._model = self.model_path.read_bytes()
        probe = open_interpreter(self._backend, self._model, self.model_path, self.num_threads)
        self._signature: ModelSignature = read_signature(probe, self.model_path)
        self._check_model(input_names)
        fixed = self._signature.fixed_length
        self.max_length = fixed or max_length
        self.buckets = length_buckets(() if fixed else sequence_lengths, self.max_length)
        self._tokenizer = TextTokenizer(tokenizer_path, self.max_length, parallel=False)
        self._pool: Pool[InterpreterSet] = Pool(
            self._new_interpreter_set, max_concurrency or max(1, cores // self.num_threads)
        )
        self.load_seconds = time.perf_counter() - started
        logger.info(
            "loaded %s with %s (%d threads, buckets %s) in %.3fs",
            self.model_path,
            self.backend,
            self.num_threads,
            list(self.buckets),
            self.load_seconds,
        )

    def _new_interpreter_set(self) -> InterpreterSet:
        return InterpreterSet(
            self._backend, self._model, self.model_path, self._signature, self.num_threads
        )

    def _check_model(self, expected_inputs: list[str] | None) -> None:
        signature = self._signature
        if expected_inputs is not None and list(signature.input_names) != list(expected_inputs):
            raise BundleError(
                f"{self.model_path}: the model's inputs are {list(signature.input_names)} but "
                f"manifest.json lists {list(expected_inputs)}; the manifest belongs to another "
                "model. Convert the model again."
            )
        if signature.num_classes != len(self.labels):
            raise BundleError(
                f"{self.model_path}: the model outputs {signature.num_classes} scores but there "
                f"are {len(self.labels)} labels ({', '.join(self.labels)}); the labels belong to "
                "another model"
            )

    @classmethod
    def from_bundle(
        cls,
        path: str | Path,
        variant: str | None = None,
        num_threads: int | None = None,
        verify: bool = True,
        max_concurrency: int | None = None,
    ) -> "TextClassifier":
        """Loads a bundle directory; ``variant=None`` runs the recommended ``model.tflite``.

        With ``verify`` the model and tokenizer files must match the manifest's sha256.
        """
        path = Path(path)
        manifest = read_manifest(path)
        if manifest.task != SEQUENCE_CLASSIFICATION:
            raise BundleError(
                f"{path}: a {manifest.task} bundle; TextClassifier runs "
                f"{SEQUENCE_CLASSIFICATION} bundles only"
            )
        model_file = manifest.variant_file(variant)
        tokenizer_file = manifest.tokenizer.get("file", "tokenizer.json")
        if verify:
            verify_files(path, manifest, [model_file, tokenizer_file])
        return cls(
            path / model_file,
            path / tokenizer_file,
            list(manifest.labels),
            manifest.max_length,
            manifest.sequence_lengths,
            num_threads=num_threads,
            max_concurrency=max_concurrency,
            manifest=manifest,
            input_names=manifest.input_names,
        )

    @classmethod
    def from_files(
        cls,
        model_path: str | Path,
        tokenizer_path: str | Path,
        labels: list[str] | str | Path,
        max_length: int = 128,
        num_threads: int | None = None,
        max_concurrency: int | None = None,
        sequence_lengths: list[int] | tuple[int, ...] = DEFAULT_SEQUENCE_LENGTHS,
    ) -> "TextClassifier":
        """Loads a bare model; ``labels`` is a list or a file with one label per line."""
        return cls(
            Path(model_path),
            Path(tokenizer_path),
            _read_labels(labels),
            max_length,
            sequence_lengths,
            num_threads=num_threads,
            max_concurrency=max_concurrency,
        )

    def bucket_for(self, num_tokens: int) -> int:
        """The sequence length a text of ``num_tokens`` tokens is padded to."""
        return next((n for n in self.buckets if n >= num_tokens), self.buckets[-1])

    def probabilities(self, texts: list[str], pad_to: int | None = None) -> np.ndarray:
        """``[len(texts), num_labels]`` probabilities; ``pad_to`` forces one bucket for all."""
        return self._run(texts, pad_to)[0]

    def classify(self, texts: list[str], top_k: int = 1) -> list[Prediction]:
        """Predictions for ``texts``, in order; thread-safe."""
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        probabilities, batch = self._run(texts)
        return [
            self._prediction(row, bool(batch.truncated[i]), int(batch.lengths[i]), top_k)
            for i, row in enumerate(probabilities)
        ]

    def _prediction(self, row: np.ndarray, truncated: bool, num_tokens: int, k: int):
        ranked = np.argsort(-row, kind="stable")[:k]
        top = [(self.labels[i], float(row[i])) for i in ranked]
        return Prediction(
            label=top[0][0],
            score=top[0][1],
            scores={label: float(p) for label, p in zip(self.labels, row, strict=True)},
            top_k=top,
            truncated=truncated,
            num_tokens=num_tokens,
        )

    def _run(self, texts: list[str], pad_to: int | None = None) -> tuple[np.ndarray, EncodedBatch]:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts; wrap a single text as [text]")
        batch = self._tokenizer.encode(texts, pad_to=self.max_length)
        longest = int(batch.lengths.max(initial=0))
        if pad_to is not None and (pad_to not in self.buckets or pad_to < longest):
            raise ValueError(
                f"pad_to={pad_to} must be one of the buckets {list(self.buckets)} and hold the "
                f"longest text ({longest} tokens)"
            )
        widths = np.array([pad_to or self.bucket_for(int(n)) for n in batch.lengths])
        arrays = batch.as_inputs(self._signature.input_names)
        probabilities = np.empty((len(texts), len(self.labels)), dtype=np.float32)
        with self._pool.checkout() as interpreters:
            # Texts of one width run back to back on that width's interpreter.
            for width in np.unique(widths):
                sized = interpreters.sized(int(width))
                for row in np.flatnonzero(widths == width):
                    probabilities[row] = sized.run(
                        [np.ascontiguousarray(a[row : row + 1, :width]) for a in arrays.values()]
                    )
        return probabilities, batch

    def close(self) -> None:
        """Frees the interpreters; later calls raise RuntimeError."""
        self._pool.close()

    def __enter__(self) -> "TextClassifier":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
