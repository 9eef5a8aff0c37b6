"""The device runtime: run a converted bundle with LiteRT, without TensorFlow.

    >>> from slm_edge.runtime import TextClassifier
    >>> classifier = TextClassifier.from_bundle("build/sst2")
    >>> classifier.classify(["a joy to watch"], top_k=2)

Nothing here imports TensorFlow (a Raspberry Pi has only the ``device`` extra);
``tf.lite`` is only the last fallback when neither ai-edge-litert nor tflite_runtime
is installed. The names are loaded on first use, so that ``slm_edge.bench``
can time LiteRT's import like any other engine's.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slm_edge.runtime.classifier import Prediction, TextClassifier

__all__ = ["Prediction", "TextClassifier"]


def __getattr__(name: str):
    if name in __all__:
        from slm_edge.runtime import classifier

        return getattr(classifier, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
