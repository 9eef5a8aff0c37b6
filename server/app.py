"""The Flask app factory: models load first, then blueprints, hooks and error handlers."""

import hmac
import json
import logging
import re
import time
import uuid

from flask import Flask, g, request
from werkzeug.routing import BaseConverter

from server import admin, api_v1, api_v2, ops
from server.batching import MicroBatcher
from server.config import ServerConfig
from server.errors import ApiError, register_error_handlers
from server.logs import ACCESS_LOGGER
from server.metrics import ServerMetrics
from server.registry import MODEL_NAME, ModelRegistry, ModelSource
from server.state import EXTENSION, ServerState, current_state

access_log = logging.getLogger(ACCESS_LOGGER)

PUBLIC_ENDPOINTS = frozenset({"v2.live"})  # liveness answers without a token
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class ModelNameConverter(BaseConverter):
    """Model names in URLs; excluding ':' keeps ``/v1/models/m:predict`` unambiguous."""

    regex = MODEL_NAME


def create_app(config: ServerConfig) -> Flask:
    """Builds the app and loads every bundle; a bundle that fails to load raises here."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = config.max_content_length
    app.json.sort_keys = False
    app.url_map.converters["model"] = ModelNameConverter

    metrics = ServerMetrics()
    registry = ModelRegistry(
        ModelSource(config.bundle, config.models_dir),
        config.classifier_loader(),
        make_batcher=_batcher_factory(config, metrics),
        on_reload=lambda result: metrics.reload_finished(result.ok),
    )
    registry.load()
    app.extensions[EXTENSION] = ServerState(
        config=config,
        registry=registry,
        metrics=metrics,
    )

    register_error_handlers(app)
    app.before_request(_start_request)
    app.before_request(_check_token)
    app.after_request(_finish_request)
    for blueprint in (api_v1.blueprint, api_v2.blueprint, ops.blueprint, admin.blueprint):
        app.register_blueprint(blueprint)
    return app


def _batcher_factory(config: ServerConfig, metrics: ServerMetrics):
    if not config.micro_batching:
        return None

    def make_batcher(name: str, classifier) -> MicroBatcher:
        return MicroBatcher(
            lambda texts, top_k: classifier.classify(texts, top_k=top_k),
            max_batch_size=config.micro_batch_size,
            max_wait_s=config.micro_batch_wait_ms / 1000,
            workers=config.micro_batch_workers,
            on_batch=lambda size: metrics.runtime_batch(name, size),
        )

    return make_batcher


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()
    current_state().metrics.request_started()


def _check_token() -> None:
    token = current_state().config.token
    if token is None or request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    # compare_digest on bytes: constant time, and no TypeError on non-ASCII input.
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        offered.strip().encode(), token.encode()
    ):
        raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <token>'")


def _finish_request(response):
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
    model = g.get("model") or ""
    texts = g.get("texts")
    current_state().metrics.request_finished(
        endpoint,
        model,
        response.status_code,
        seconds,
        texts=texts,
        truncated=g.get("truncated", 0),
        error_code=g.get("error_code"),
    )
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="slm-edge"'
    fields = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "ms": round(seconds * 1000, 3),
        "model": model or None,
        "texts": texts,
        "remote": request.remote_addr,
    }
    access_log.info(json.dumps(fields), extra={"fields": fields})
    return response
