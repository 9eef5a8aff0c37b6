"""Server settings: one frozen object, built by ``slm-edge serve`` or by tests."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_BATCH_SIZE = 64
DEFAULT_MAX_CONTENT_LENGTH = 1 << 20  # 1 MiB


@dataclass(frozen=True)
class ServerConfig:
    """What to serve and how.

    Args:
        bundle: serve this one bundle directory, named by its directory name.
        models_dir: or serve every bundle directory inside this one.
        variant: model variant to load (default: the bundle's recommended ``model.tflite``).
        model_threads: interpreter threads per inference (default: the runtime's choice).
        max_batch_size: most texts in one request; more is a 400.
        max_content_length: largest request body in bytes; more is a 413.
        token: when set, every endpoint but liveness needs ``Authorization: Bearer TOKEN``.
        micro_batching: group concurrent requests into shared runtime calls.
        micro_batch_size: most texts in one micro-batched runtime call.
        micro_batch_wait_ms: how long a request waits for others to batch with.
        micro_batch_workers: threads that run micro-batches.
        load_classifier: bundle directory -> classifier (default: the LiteRT runtime).
    """

    bundle: Path | None = None
    models_dir: Path | None = None
    variant: str | None = None
    model_threads: int | None = None
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    token: str | None = None
    micro_batching: bool = False
    micro_batch_size: int = 16
    micro_batch_wait_ms: float = 2.0
    micro_batch_workers: int = 2
    load_classifier: Callable[[Path], Any] | None = None

    def __post_init__(self) -> None:
        if (self.bundle is None) == (self.models_dir is None):
            raise ValueError("ServerConfig needs exactly one of bundle and models_dir")
        if self.max_batch_size < 1 or self.max_content_length < 1:
            raise ValueError("max_batch_size and max_content_length must be positive")
        if self.token is not None and not self.token:
            raise ValueError("the token must not be empty")

    def classifier_loader(self) -> Callable[[Path], Any]:
        """The function that loads a bundle directory into a classifier."""
        if self.load_classifier is not None:
            return self.load_classifier

        def load(path: Path) -> Any:
            from slm_edge.runtime import TextClassifier

            return TextClassifier.from_bundle(
                path, variant=self.variant, num_threads=self.model_threads
            )

        return load
