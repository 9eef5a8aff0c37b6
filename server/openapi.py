"""The OpenAPI 3 document of every endpoint, built from the live configuration."""

from typing import Any

from server.config import ServerConfig
from server.registry import MODEL_NAME
from slm_edge import __version__

REF = "#/components/schemas/"

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: bad JSON or encoding, wrong types, empty or blank texts, too many texts",
    "401": "Missing or wrong bearer token",
    "404": "Unknown model",
    "413": "Body larger than the size limit",
    "415": "Body is not application/json",
    "422": "A bundle failed to load; the old model keeps serving",
}


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _strings() -> dict:
    return {"type": "array", "items": {"type": "string"}}


def _schemas(max_batch_size: int) -> dict[str, Any]:
    number_map = {"type": "object", "additionalProperties": {"type": "number"}}
    nullable_string = {"type": "string", "nullable": True}
    texts = {
        "type": "array",
        "minItems": 1,
        "maxItems": max_batch_size,
        "items": {"type": "string", "pattern": r"\S", "description": "not empty or blank"},
    }
    label_score = {
        "type": "object",
        "required": ["label", "score"],
        "properties": {"label": {"type": "string"}, "score": {"type": "number"}},
    }
    prediction_properties = {
        "label": {"type": "string"},
        "score": {"type": "number"},
        "scores": number_map,
        "truncated": {"type": "boolean", "description": "present when the text was cut"},
    }
    tensor_meta = {
        "type": "object",
        "required": ["name", "datatype", "shape"],
        "properties": {
            "name": {"type": "string"},
            "datatype": {"type": "string"},
            "shape": {"type": "array", "items": {"type": "integer"}},
        },
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }
            },
        },
        "Texts": texts,
        "PredictRequest": {
            "type": "object",
            "required": ["instances"],
            "properties": {"instances": _ref("Texts")},
        },
        "Prediction": {
            "type": "object",
            "required": ["label", "score", "scores"],
            "properties": prediction_properties,
        },
        "PredictResponse": {
            "type": "object",
            "required": ["predictions"],
            "properties": {"predictions": {"type": "array", "items": _ref("Prediction")}},
        },
        "ClassifyRequest": {
            "type": "object",
            "required": ["texts"],
            "properties": {
                "texts": _ref("Texts"),
                "top_k": {"type": "integer", "minimum": 1, "default": 1},
            },
        },
        "ClassifyResponse": {
            "type": "object",
            "required": ["predictions"],
            "properties": {
                "predictions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["label", "score", "scores", "top_k"],
                        "properties": {
                            **prediction_properties,
                            "top_k": {"type": "array", "items": label_score},
                        },
                    },
                }
            },
        },
        "ModelMetadata": {
            "type": "object",
            "required": ["name", "labels", "max_length", "variant", "backend"],
            "properties": {
                "name": {"type": "string"},
                "labels": _strings(),
                "max_length": {"type": "integer"},
                "family": nullable_string,
                "task": nullable_string,
                "variant": nullable_string,
                "quantization": {"type": "object", "nullable": True},
                "size_bytes": {"type": "integer", "nullable": True},
                "validation_metrics": {"type": "object", "nullable": True},
                "recommendation_reason": nullable_string,
                "created": nullable_string,
                "backend": {"type": "string"},
                "num_threads": {"type": "integer", "nullable": True},
                "load_seconds": {"type": "number"},
                "loaded_at": {"type": "number"},
                "micro_batching": {"type": "boolean"},
            },
        },
        "ModelList": {
            "type": "object",
            "required": ["models"],
            "properties": {"models": {"type": "array", "items": _ref("ModelMetadata")}},
        },
        "ModelStatus": {
            "type": "object",
            "required": ["model_version_status", "metadata"],
            "properties": {
                "model_version_status": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["version", "state", "status"],
                        "properties": {
                            "version": {"type": "string"},
                            "state": {"type": "string", "enum": ["AVAILABLE"]},
                            "status": {"type": "object"},
                        },
                    },
                },
                "metadata": _ref("ModelMetadata"),
            },
        },
        "ServerMetadataV2": {
            "type": "object",
            "required": ["name", "version", "extensions"],
            "properties": {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "extensions": _strings(),
            },
        },
        "LiveV2": {
            "type": "object",
            "required": ["live"],
            "properties": {"live": {"type": "boolean"}},
        },
        "ReadyV2": {
            "type": "object",
            "required": ["ready"],
            "properties": {"ready": {"type": "boolean"}},
        },
        "ModelReadyV2": {
            "type": "object",
            "required": ["name", "ready"],
            "properties": {"name": {"type": "string"}, "ready": {"type": "boolean"}},
        },
        "ModelMetadataV2": {
            "type": "object",
            "required": ["name", "versions", "platform", "inputs", "outputs"],
            "properties": {
                "name": {"type": "string"},
                "versions": _strings(),
                "platform": {"type": "string"},
                "inputs": {"type": "array", "items": tensor_meta},
                "outputs": {"type": "array", "items": tensor_meta},
                "parameters": {"type": "object"},
            },
        },
        "InferRequestV2": {
            "type": "object",
            "required": ["inputs"],
            "properties": {
                "id": {"type": "string"},
                "parameters": {"type": "object"},
                "inputs": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "shape", "datatype", "data"],
                        "properties": {
                            "name": {"type": "string"},
                            "shape": {
                                "type": "array",
                                "items": {"type": "integer"},
                                "description": "[n] or [n, 1] for n texts",
                            },
                            "datatype": {"type": "string", "enum": ["BYTES"]},
                            "data": _ref("Texts"),
                            "parameters": {"type": "object"},
                        },
                    },
                },
                "outputs": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string", "enum": ["label", "score", "scores"]}
                        },
                    },
                },
            },
        },
        "InferResponseV2": {
            "type": "object",
            "required": ["model_name", "outputs"],
            "properties": {
                "model_name": {"type": "string"},
                "model_version": {"type": "string"},
                "id": {"type": "string"},
                "parameters": {"type": "object"},
                "outputs": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "datatype", "shape", "data"],
                        "properties": {
                            "name": {"type": "string", "enum": ["label", "score", "scores"]},
                            "datatype": {"type": "string", "enum": ["BYTES", "FP32"]},
                            "shape": {"type": "array", "items": {"type": "integer"}},
                            "data": {
                                "type": "array",
                                "items": {"anyOf": [{"type": "string"}, {"type": "number"}]},
                            },
                        },
                    },
                },
            },
        },
        "ReloadResult": {
            "type": "object",
            "required": ["loaded", "removed", "failed", "models"],
            "properties": {
                "loaded": _strings(),
                "removed": _strings(),
                "failed": {"type": "object", "additionalProperties": {"type": "string"}},
                "models": _strings(),
            },
        },
    }


def build_openapi(config: ServerConfig, model_names: list[str]) -> dict[str, Any]:
    """The document for the server as configured, with the models served now."""
    secured = config.token is not None
    name_schema: dict[str, Any] = {"type": "string", "pattern": f"^{MODEL_NAME}$"}
    if model_names:
        name_schema = {"type": "string", "enum": list(model_names)}
    name_parameter = {"name": "name", "in": "path", "required": True, "schema": name_schema}

    def operation(
        summary: str,
        ok: dict,
        errors: tuple[str, ...] = (),
        body: str | None = None,
        public: bool = False,
        by_name: bool = False,
    ) -> dict:
        responses: dict[str, Any] = {"200": ok}
        codes = list(errors)
        if body is not None:
            codes += ["400", "413", "415"]
        if by_name:
            codes.append("404")
        if secured and not public:
            codes.append("401")
        for code in sorted(set(codes)):
            responses[code] = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": _json(_ref("Error")),
            }
        op: dict[str, Any] = {"summary": summary, "responses": responses}
        if by_name:
            op["parameters"] = [name_parameter]
        if body is not None:
            op["requestBody"] = {"required": True, "content": _json(_ref(body))}
        if public:
            op["security"] = []
        return op

    def returns(schema: str, description: str = "OK") -> dict:
        return {"description": description, "content": _json(_ref(schema))}

    def text(media_type: str, description: str) -> dict:
        return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}

    paths = {
        "/v1/models": {
            "get": operation("List the served models (an extension)", returns("ModelList"))
        },
        "/v1/models/{name}": {
            "get": operation(
                "TF Serving model status and manifest metadata",
                returns("ModelStatus"),
                by_name=True,
            )
        },
        "/v1/models/{name}:predict": {
            "post": operation(
                "TF Serving predict: the best label per text",
                returns("PredictResponse"),
                body="PredictRequest",
                by_name=True,
            )
        },
        "/v1/models/{name}:classify": {
            "post": operation(
                "Classify with the top_k best labels per text",
                returns("ClassifyResponse"),
                body="ClassifyRequest",
                by_name=True,
            )
        },
        "/v2": {"get": operation("KServe v2 server metadata", returns("ServerMetadataV2"))},
        "/v2/health/live": {
            "get": operation("Liveness (never needs a token)", returns("LiveV2"), public=True)
        },
        "/v2/health/ready": {"get": operation("Readiness", returns("ReadyV2"))},
        "/v2/models/{name}": {
            "get": operation("KServe v2 model metadata", returns("ModelMetadataV2"), by_name=True)
        },
        "/v2/models/{name}/ready": {
            "get": operation("KServe v2 model readiness", returns("ModelReadyV2"), by_name=True)
        },
        "/v2/models/{name}/infer": {
            "post": operation(
                "KServe v2 inference: BYTES texts in; label, score, scores out",
                returns("InferResponseV2"),
                body="InferRequestV2",
                by_name=True,
            )
        },
        "/metrics": {
            "get": operation(
                "Prometheus metrics", text("text/plain", "Prometheus text exposition format")
            )
        },
        "/openapi.json": {"get": operation("This document", {"description": "OpenAPI 3"})},
        "/": {"get": operation("A page to try a text in a browser", text("text/html", "HTML"))},
        "/admin/reload": {
            "post": operation(
                "Reload every bundle from disk; swap in those that load",
                returns("ReloadResult"),
                errors=("422",),
            )
        },
    }
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "slm-edge inference server",
            "version": __version__,
            "description": (
                "Text classification with TFLite bundles: TF Serving (v1) and KServe Open "
                "Inference Protocol (v2) APIs. Errors are {\"error\": {\"code\", \"message\"}}. "
                f"At most {config.max_batch_size} texts per request and "
                f"{config.max_content_length} bytes per body; texts longer than the model's "
                "max length are truncated and flagged."
            ),
        },
        "paths": paths,
        "components": {"schemas": _schemas(config.max_batch_size)},
    }
    if secured:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"bearer": []}]
    return document
