"""Operations: the try-it page, Prometheus metrics and the OpenAPI document."""

from importlib import resources

from flask import Blueprint, Response, jsonify

from server.metrics import CONTENT_TYPE
from server.openapi import build_openapi
from server.state import current_state, model_metadata

blueprint = Blueprint("ops", __name__)

# The page's inline script and style are its own; nothing else may load.
PAGE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)


@blueprint.get("/")
def index():
    page = resources.files("server").joinpath("static/index.html").read_text(encoding="utf-8")
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


@blueprint.get("/metrics")
def metrics():
    state = current_state()
    models = []
    for model in state.registry.snapshot():
        meta = model_metadata(model)
        models.append(
            {
                "model": model.name,
                "variant": meta["variant"] or "",
                "family": meta["family"] or "",
                "backend": meta["backend"],
                "labels": ",".join(meta["labels"]),
                "max_length": meta["max_length"],
                "load_seconds": meta["load_seconds"],
            }
        )
    return Response(state.metrics.render(models), content_type=CONTENT_TYPE)


@blueprint.get("/openapi.json")
def openapi():
    state = current_state()
    return jsonify(build_openapi(state.config, state.registry.names()))
