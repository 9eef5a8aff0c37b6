"""TensorFlow Serving compatible REST API (``/v1/models/...``)."""

from flask import Blueprint, jsonify

from server.inputs import json_body, positive_int, text_list
from server.state import (
    classify,
    current_state,
    model_metadata,
    require_model,
    served_model,
)

blueprint = Blueprint("v1", __name__, url_prefix="/v1")


@blueprint.get("/models")
def list_models():
    """An extension to TF Serving: the names and metadata of every served model."""
    return jsonify(models=[model_metadata(m) for m in current_state().registry.snapshot()])


@blueprint.get("/models/<model:name>")
def model_status(name: str):
    """TF Serving's model status, plus the manifest's metadata."""
    model = served_model(name)
    return jsonify(
        model_version_status=[
            {
                "version": "1",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ],
        metadata=model_metadata(model),
    )


@blueprint.post("/models/<model:name>:predict")
def predict(name: str):
    """``{"instances": [text, ...]}`` -> ``{"predictions": [{label, score, scores}, ...]}``."""
    require_model(name)
    body = json_body()
    texts = text_list(body.get("instances"), "instances", current_state().config.max_batch_size)
    _, predictions = classify(name, texts)
    return jsonify(predictions=[_prediction(p) for p in predictions])


@blueprint.post("/models/<model:name>:classify")
def classify_texts(name: str):
    """``{"texts": [...], "top_k": k}`` -> predictions with the ``top_k`` best labels."""
    require_model(name)
    body = json_body()
    texts = text_list(body.get("texts"), "texts", current_state().config.max_batch_size)
    top_k = positive_int(body.get("top_k"), "top_k", default=1)
    labels, predictions = classify(name, texts, top_k=top_k)
    results = []
    for prediction in predictions:
        result = _prediction(prediction)
        result["top_k"] = [{"label": label, "score": score} for label, score in prediction.top_k]
        results.append(result)
    return jsonify(predictions=results)


def _prediction(prediction) -> dict:
    result = {
        "label": prediction.label,
        "score": float(prediction.score),
        "scores": {label: float(score) for label, score in prediction.scores.items()},
    }
    if prediction.truncated:
        result["truncated"] = True
    return result
