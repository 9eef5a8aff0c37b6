"""Schemathesis against /openapi.json: generated requests, in-process (WSGI, no network)."""

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import ServerConfig, create_app  # noqa: E402
from server.openapi import build_openapi  # noqa: E402
from tests import test_server_support as support  # noqa: E402

tiny_bundle = support.tiny_bundle  # shared fixture

# Schema-valid data is not checked to succeed ("positive_data_acceptance"): a v2 tensor's
# shape must match its data, which a schema cannot say. Positive v2 cases get a matching
# shape (below) so that they reach the model.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
DOCUMENT = build_openapi(ServerConfig(bundle=Path("tiny")), ["tiny"])
# Every operation with valid data; those with a body or parameters with invalid data too.
CASES = [
    (method.upper(), path, mode)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or {"requestBody", "parameters"} & operation.keys()
]


@pytest.fixture(scope="module")
def api_schema(tiny_bundle):
    app = create_app(ServerConfig(bundle=tiny_bundle, max_batch_size=8))
    yield schemathesis.openapi.from_wsgi("/openapi.json", app)
    app.extensions["slm_edge"].registry.close()


@pytest.mark.parametrize("method, path, mode", CASES)
def test_api_conforms_to_its_openapi_document(api_schema, method, path, mode):
    operation = api_schema[path][method]

    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE and path.endswith("/infer"):
        strategy = strategy.map(_with_consistent_shape)

    @given(case=strategy)
    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()


def _with_consistent_shape(case):
    tensor = case.body["inputs"][0]
    tensor["shape"] = [len(tensor["data"])]
    return case
