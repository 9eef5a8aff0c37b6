"""KServe Open Inference Protocol v2 (``/v2/...``) with one BYTES input of texts."""

from flask import Blueprint, jsonify

from server.errors import bad_request
from server.inputs import json_body, text_list
from server.state import classify, current_state, require_model, served_model
from slm_edge import __version__

blueprint = Blueprint("v2", __name__, url_prefix="/v2")

OUTPUT_NAMES = ("label", "score", "scores")


@blueprint.get("")
def server_metadata():
    return jsonify(name="slm-edge", version=__version__, extensions=[])


@blueprint.get("/health/live")
def live():
    """Liveness: the process answers (no token needed)."""
    return jsonify(live=True)


@blueprint.get("/health/ready")
def ready():
    """Readiness: every model is loaded (they load before the server starts listening)."""
    return jsonify(ready=bool(current_state().registry.names()))


@blueprint.get("/models/<model:name>")
def model_metadata(name: str):
    model = served_model(name)
    return jsonify(
        name=model.name,
        versions=["1"],
        platform="tflite",
        inputs=[{"name": "text", "datatype": "BYTES", "shape": [-1]}],
        outputs=[
            {"name": "label", "datatype": "BYTES", "shape": [-1]},
            {"name": "score", "datatype": "FP32", "shape": [-1]},
            {"name": "scores", "datatype": "FP32", "shape": [-1, len(model.labels)]},
        ],
        parameters={"labels": model.labels},
    )


@blueprint.get("/models/<model:name>/ready")
def model_ready(name: str):
    served_model(name)
    return jsonify(name=name, ready=True)


@blueprint.post("/models/<model:name>/infer")
def infer(name: str):
    """Texts in a BYTES tensor of shape [n] -> label (BYTES), score and scores (FP32)."""
    require_model(name)
    body = json_body()
    texts = _texts_from_inputs(body.get("inputs"))
    wanted = _requested_outputs(body.get("outputs"))
    labels, predictions = classify(name, texts)
    n = len(predictions)
    tensors = {
        "label": {"datatype": "BYTES", "shape": [n], "data": [p.label for p in predictions]},
        "score": {"datatype": "FP32", "shape": [n], "data": [float(p.score) for p in predictions]},
        "scores": {
            "datatype": "FP32",
            "shape": [n, len(labels)],
            "data": [float(p.scores[label]) for p in predictions for label in labels],
        },
    }
    response = {
        "model_name": name,
        "model_version": "1",
        "outputs": [{"name": out, **tensors[out]} for out in wanted],
        "parameters": {
            "labels": labels,
            "truncated": [bool(p.truncated) for p in predictions],
        },
    }
    if isinstance(body.get("id"), str):
        response["id"] = body["id"]
    return jsonify(response)


def _texts_from_inputs(inputs) -> list[str]:
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], dict):
        raise bad_request(
            "invalid_request",
            "'inputs' must be a list of one tensor: "
            '{"name": "text", "shape": [n], "datatype": "BYTES", "data": [...]}',
        )
    tensor = inputs[0]
    if tensor.get("datatype") != "BYTES":
        raise bad_request("invalid_request", "inputs[0].datatype must be \"BYTES\"")
    data = text_list(
        tensor.get("data"), "inputs[0].data", current_state().config.max_batch_size
    )
    shape = tensor.get("shape")
    if not (
        isinstance(shape, list)
        and all(type(dim) is int for dim in shape)
        and shape in ([len(data)], [len(data), 1])
    ):
        raise bad_request(
            "invalid_request",
            f"inputs[0].shape must be [{len(data)}] (or [{len(data)}, 1]) for "
            f"{len(data)} texts, not {shape!r}",
        )
    return data


def _requested_outputs(outputs) -> list[str]:
    if outputs is None:
        return list(OUTPUT_NAMES)
    if not isinstance(outputs, list) or not all(
        isinstance(out, dict) and isinstance(out.get("name"), str) for out in outputs
    ):
        raise bad_request("invalid_request", "'outputs' must be a list of {\"name\": ...}")
    names = [out["name"] for out in outputs]
    unknown = sorted(set(names) - set(OUTPUT_NAMES))
    if unknown:
        raise bad_request(
            "invalid_request",
            f"unknown outputs {unknown}; this model has {list(OUTPUT_NAMES)}",
        )
    return list(dict.fromkeys(names))
