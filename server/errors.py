"""Errors as JSON: every failure becomes ``{"error": {"code", "message"}}`` and never a trace."""

import logging

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

logger = logging.getLogger("slm_edge.server")

# Werkzeug's exceptions by status, as stable machine-readable codes.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal",
    501: "not_implemented",
    503: "unavailable",
}


class ApiError(Exception):
    """An error a client caused (or may retry), with its HTTP status and a stable code."""

    def __init__(
        self, status: int, code: str, message: str, details: dict | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def bad_request(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def error_response(status: int, code: str, message: str, details: dict | None = None):
    body: dict = {"code": code, "message": message}
    if details:
        body["details"] = details
    g.error_code = code
    return jsonify(error=body), status


def register_error_handlers(app: Flask) -> None:
    """Maps every exception to a JSON response; unexpected ones are logged, not shown."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        code = HTTP_CODES.get(status, "http_error")
        allow = dict(error.get_headers()).get("Allow")
        if status == 404:
            message = f"no endpoint at {request.path}; see /openapi.json"
        elif status == 405:
            message = f"{request.method} is not allowed on {request.path}; use {allow}"
        elif status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"the request body is larger than the limit of {limit} bytes"
        else:
            message = error.description or error.name
        response, status = error_response(status, code, message)
        if allow:
            response.headers["Allow"] = allow
        return response, status

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        logger.exception("unhandled error", extra={"request_id": g.get("request_id")})
        return error_response(500, "internal", "internal server error; see the server log")
