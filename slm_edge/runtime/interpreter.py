"""The TFLite interpreter: which backend runs it, what the model's tensors are, one per length.

Backends are tried in order: ai-edge-litert (the supported one), then the legacy
``tflite_runtime`` wheel, then TensorFlow's ``tf.lite``. A fallback is logged as a
warning and recorded in ``Backend.name``, never silent.

XNNPACK: every backend applies its default XNNPACK delegate when tensors are first
allocated, unless it is created with an op resolver "without default delegates". We
never pass one, so float and dynamic-range int8 kernels run in XNNPACK with the
interpreter's ``num_threads``.
"""

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from slm_edge.errors import BundleError, SlmEdgeError

logger = logging.getLogger(__name__)

# (backend name, module, attribute path of the Interpreter class), in order of preference.
BACKEND_CHAIN = (
    ("ai_edge_litert", "ai_edge_litert.interpreter", "Interpreter"),
    ("tflite_runtime", "tflite_runtime.interpreter", "Interpreter"),
    ("tensorflow", "tensorflow", "lite.Interpreter"),
)
MODEL_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class Backend:
    """The interpreter class in use and the package it came from."""

    name: str
    interpreter_class: type


def find_backend() -> Backend:
    """The first importable backend of ``BACKEND_CHAIN``; warns when it is not the first."""
    preferred = BACKEND_CHAIN[0][0]
    for name, module_name, attribute in BACKEND_CHAIN:
        try:
            found = importlib.import_module(module_name)
        except ImportError:
            continue
        for part in attribute.split("."):
            found = getattr(found, part)
        if name != preferred:
            logger.warning(
                "%s is not installed; running TFLite models with %s instead. Install "
                "ai-edge-litert==2.3.0 for the supported runtime.",
                preferred,
                name,
            )
        return Backend(name, found)
    raise SlmEdgeError(
        "no TFLite interpreter is installed (tried ai_edge_litert, tflite_runtime, tensorflow); "
        "run `pip install ai-edge-litert==2.3.0`"
    )


@dataclass(frozen=True)
class ModelSignature:
    """Where a classifier model's inputs and output are, and the width of its output.

    ``fixed_length`` is the sequence length of a model without a dynamic dimension.
    """

    input_names: tuple[str, ...]
    input_indices: tuple[int, ...]
    output_index: int
    num_classes: int
    fixed_length: int | None


def read_signature(interpreter, model_path: Path) -> ModelSignature:
    """Reads the input and output tensors of a single-text classifier."""
    inputs = interpreter.get_input_details()
    names = []
    for detail in inputs:
        name = next((n for n in MODEL_INPUT_NAMES if n in detail["name"]), None)
        if name is None:
            raise BundleError(
                f"{model_path}: input tensor {detail['name']!r} is none of "
                f"{', '.join(MODEL_INPUT_NAMES)}; this is not a slm-edge text classifier"
            )
        names.append(name)
    outputs = interpreter.get_output_details()
    if len(outputs) != 1 or len(outputs[0]["shape_signature"]) != 2:
        raise BundleError(
            f"{model_path}: expected one output of shape [1, num_labels], found "
            f"{[list(o['shape_signature']) for o in outputs]}; token classification models "
            "are not supported by TextClassifier"
        )
    sequence_dims = {int(detail["shape_signature"][1]) for detail in inputs}
    return ModelSignature(
        input_names=tuple(names),
        input_indices=tuple(int(detail["index"]) for detail in inputs),
        output_index=int(outputs[0]["index"]),
        num_classes=int(outputs[0]["shape_signature"][1]),
        fixed_length=None if -1 in sequence_dims else max(sequence_dims),
    )


def open_interpreter(backend: Backend, model: bytes, model_path: Path, num_threads: int):
    """A new interpreter on the flatbuffer ``model`` read from ``model_path``."""
    try:
        return backend.interpreter_class(model_content=model, num_threads=num_threads)
    except ValueError as error:  # every backend raises ValueError for a bad flatbuffer
        raise BundleError(
            f"{model_path}: cannot be loaded as a TFLite model ({error}); copy or convert it again"
        ) from error


class SizedInterpreter:
    """One interpreter whose inputs are resized to ``[1, length]`` once, when it is made."""

    def __init__(self, interpreter, signature: ModelSignature, length: int):
        if signature.fixed_length is None:
            for index in signature.input_indices:
                interpreter.resize_tensor_input(index, [1, length])
        interpreter.allocate_tensors()
        self._interpreter = interpreter
        self._signature = signature
        self.length = length

    def run(self, arrays: list[np.ndarray]) -> np.ndarray:
        """Output row for one example; ``arrays`` are int32 ``[1, length]`` in input order."""
        for index, array in zip(self._signature.input_indices, arrays, strict=True):
            self._interpreter.set_tensor(index, array)
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._signature.output_index)[0]


class InterpreterSet:
    """One sized interpreter per sequence length, each made when its length is first used.

    Not thread-safe: a set belongs to one caller at a time (see ``pool.Pool``).
    """

    def __init__(
        self,
        backend: Backend,
        model: bytes,
        model_path: Path,
        signature: ModelSignature,
        threads: int,
    ):
        self._backend = backend
        self._model = model
        self._model_path = model_path
        self._signature = signature
        self._threads = threads
        self._by_length: dict[int, SizedInterpreter] = {}

    def sized(self, length: int) -> SizedInterpreter:
        if length not in self._by_length:
            interpreter = open_interpreter(
                self._backend, self._model, self._model_path, self._threads
            )
            self._by_length[length] = SizedInterpreter(interpreter, self._signature, length)
        return self._by_length[length]

    @property
    def lengths(self) -> list[int]:
        """The lengths that have an interpreter so far."""
        return sorted(self._by_length)
