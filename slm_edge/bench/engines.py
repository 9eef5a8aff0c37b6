"""The engines a bench compares, each predicting one text at a time as a device would.

Every engine tokenizes with the bundle's ``tokenizer.json`` and returns probabilities,
so all of them do the same work on the same inputs. ``pad_to=None`` runs a text at its
own length (LiteRT: the smallest bucket that fits; the others: the exact length).
"""

import numpy as np

from slm_edge.tokenization import TextTokenizer

# Packages each engine imports, timed apart from model loading.
ENGINE_MODULES = {
    "litert": ("slm_edge.runtime.classifier",),
    "tensorflow": ("tensorflow", "tf_keras", "slm_edge.models"),
    "onnxruntime": ("onnxruntime",),
}


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


class LiteRTEngine:
    """A bundle variant on ``slm_edge.runtime`` (LiteRT with XNNPACK)."""

    def __init__(self, job: dict):
        from slm_edge.runtime import TextClassifier

        self._classifier = TextClassifier.from_bundle(
            job["model"], variant=job["variant"], num_threads=job["threads"], max_concurrency=1
        )

    def predict(self, text: str, pad_to: int | None) -> np.ndarray:
        return self._classifier.probabilities([text], pad_to)[0]


class KerasEngine:
    """The checkpoint as our tf_keras float model, called through a compiled tf.function."""

    def __init__(self, job: dict):
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(job["threads"])
        tf.config.threading.set_inter_op_parallelism_threads(1)
        from slm_edge.models import load_classifier

        model = load_classifier(job["model"]).model
        self._input_names = model.input_names
        self._tokenizer = TextTokenizer(job["tokenizer"], job["max_length"])
        signature = [{name: tf.TensorSpec([1, None], tf.int32, name) for name in model.input_names}]
        self._forward = tf.function(
            lambda inputs: tf.nn.softmax(model(inputs, training=False)), input_signature=signature
        )

    def predict(self, text: str, pad_to: int | None) -> np.ndarray:
        inputs = self._tokenizer.encode([text], pad_to=pad_to).as_inputs(self._input_names)
        return self._forward(inputs).numpy()[0]


class OnnxRuntimeEngine:
    """An ONNX export of the checkpoint (float32 or dynamic int8) on ONNX Runtime's CPU EP."""

    def __init__(self, job: dict):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = job["threads"]
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            job["model"], options, providers=["CPUExecutionProvider"]
        )
        self._input_names = [tensor.name for tensor in self._session.get_inputs()]
        self._tokenizer = TextTokenizer(job["tokenizer"], job["max_length"])

    def predict(self, text: str, pad_to: int | None) -> np.ndarray:
        batch = self._tokenizer.encode([text], pad_to=pad_to)
        feeds = {name: getattr(batch, name).astype(np.int64) for name in self._input_names}
        return _softmax(self._session.run(None, feeds)[0][0])


ENGINES = {
    "litert": LiteRTEngine,
    "tensorflow": KerasEngine,
    "onnxruntime": OnnxRuntimeEngine,
}
