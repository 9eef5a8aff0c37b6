"""Request bodies, checked strictly: each mistake is a 4xx that says what and where."""

import json
from typing import Any

from flask import request

from server.errors import ApiError, bad_request


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def json_body() -> dict[str, Any]:
    """The request body as a JSON object (UTF-8, ``application/json``)."""
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send the body as JSON with 'Content-Type: application/json' "
            f"(got {request.mimetype or 'no content type'!r})",
        )
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request(
            "invalid_encoding", f"the body is not valid UTF-8 (byte {error.start})"
        ) from None
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        raise bad_request("invalid_json", f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise bad_request("invalid_json", "the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise bad_request("invalid_request", "the body must be a JSON object")
    return body


def text_list(value: Any, field: str, max_batch_size: int) -> list[str]:
    """A non-empty list of at most ``max_batch_size`` non-blank strings.

    A blank text (empty or only whitespace) is rejected with its index rather
    than classified, since any label for it would be noise.
    """
    if value is None:
        raise bad_request("invalid_request", f"'{field}' is required: a list of strings")
    if not isinstance(value, list):
        raise bad_request("invalid_request", f"'{field}' must be a list of strings")
    if not value:
        raise bad_request("empty_batch", f"'{field}' is empty; send at least one text")
    if len(value) > max_batch_size:
        raise bad_request(
            "batch_too_large",
            f"'{field}' has {len(value)} texts; the limit is {max_batch_size} per request",
        )
    for index, text in enumerate(value):
        if not isinstance(text, str):
            raise bad_request(
                "invalid_request",
                f"{field}[{index}] must be a string, not {_json_type(text)}",
            )
        if not text.strip():
            raise bad_request("empty_text", f"{field}[{index}] is empty or only whitespace")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request(
                "invalid_encoding", f"{field}[{index}] holds an unpaired UTF-16 surrogate"
            ) from None
    return value


def positive_int(value: Any, field: str, default: int) -> int:
    if value is None:
        return default
    if type(value) is not int or value < 1:  # bool is an int subclass: exclude it
        raise bad_request("invalid_request", f"'{field}' must be an integer >= 1")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
