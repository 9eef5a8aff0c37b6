"""What the blueprints share, kept on ``app.extensions["slm_edge"]`` (no module globals)."""

import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g

from server.config import ServerConfig
from server.errors import ApiError
from server.metrics import ServerMetrics
from server.registry import ModelNotFound, ModelRegistry, ServedModel

EXTENSION = "slm_edge"


@dataclass
class ServerState:
    config: ServerConfig
    registry: ModelRegistry
    metrics: ServerMetrics
    started_at: float = field(default_factory=time.time)


def current_state() -> ServerState:
    return current_app.extensions[EXTENSION]


def unknown_model(name: str) -> ApiError:
    served = ", ".join(current_state().registry.names()) or "none"
    return ApiError(404, "model_not_found", f"no model named {name!r}; served: {served}")


def classify(name: str, texts: list[str], top_k: int = 1) -> tuple[list[str], list]:
    """(labels, predictions) from the model ``name`` as it is when the request starts."""
    try:
        with current_state().registry.lease(name) as model:
            g.model, g.texts = name, len(texts)
            predictions = model.classify(texts, top_k)
            labels = model.labels
    except ModelNotFound:
        raise unknown_model(name) from None
    g.truncated = sum(1 for prediction in predictions if prediction.truncated)
    return labels, predictions


def require_model(name: str) -> None:
    """404 for an unknown model, before the body is even read."""
    if name not in current_state().registry:
        raise unknown_model(name)


def served_model(name: str) -> ServedModel:
    """The model ``name`` for metadata only (it may be replaced at any moment)."""
    for model in current_state().registry.snapshot():
        if model.name == name:
            g.model = name
            return model
    raise unknown_model(name)


def model_metadata(model: ServedModel) -> dict[str, Any]:
    """Labels, max length, variant, quantization and validation metrics from the manifest."""
    classifier = model.classifier
    manifest = getattr(classifier, "manifest", None)
    variant_name = current_state().config.variant or (manifest.recommended if manifest else None)
    variant = (manifest.variants.get(variant_name, {}) if manifest and variant_name else {}) or {}
    return {
        "name": model.name,
        "labels": list(classifier.labels),
        "max_length": int(classifier.max_length),
        "family": manifest.family if manifest else None,
        "task": manifest.task if manifest else None,
        "variant": variant_name,
        "quantization": variant.get("quantization"),
        "size_bytes": variant.get("size_bytes"),
        "validation_metrics": variant.get("metrics"),
        "recommendation_reason": manifest.recommendation_reason if manifest else None,
        "created": manifest.created if manifest else None,
        "backend": str(getattr(classifier, "backend", "")),
        "num_threads": getattr(classifier, "num_threads", None),
        "load_seconds": float(getattr(classifier, "load_seconds", 0.0)),
        "loaded_at": model.loaded_at,
        "micro_batching": model.batcher is not None,
    }
