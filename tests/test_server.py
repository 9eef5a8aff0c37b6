"""The inference server through Flask's test client, on a real tiny bundle and LiteRT."""

import json
import logging
import re
import shutil
import threading
import time

import pytest

from server import ServerConfig, create_app
from server.batching import MicroBatcher
from server.registry import ModelRegistry, ModelSource
from slm_edge.commands.serve import _is_loopback, read_token
from slm_edge.errors import BundleError, SlmEdgeError
from slm_edge.runtime import TextClassifier
from tests import test_server_support as support
from tests.test_server_support import SENTENCES, expected_predictions, matches, relabel_bundle

tiny_bundle, models_dir = support.tiny_bundle, support.models_dir  # shared fixtures

TOKEN = "s3cret-token-0123456789abcdef"
GOOD = {"instances": ["good great fun film"]}


@pytest.fixture(scope="module")
def app(tiny_bundle):
    app = create_app(ServerConfig(bundle=tiny_bundle, max_batch_size=8))
    yield app
    app.extensions["slm_edge"].registry.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def expected(tiny_bundle):
    return expected_predictions(tiny_bundle, SENTENCES)


def assert_error(response, status: int, code: str, mentions: str = "") -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert mentions in error["message"]
    return error


# --- v1: TF Serving ---------------------------------------------------------------------


def test_predict_matches_the_runtime_and_flags_truncation(client, expected):
    response = client.post("/v1/models/tiny:predict", json={"instances": SENTENCES})
    assert response.status_code == 200
    predictions = response.get_json()["predictions"]
    assert len(predictions) == len(SENTENCES)
    for text, prediction in zip(SENTENCES, predictions, strict=True):
        assert matches(prediction, expected[text]), text
        assert prediction["score"] == prediction["scores"][prediction["label"]]
    assert predictions[-1]["truncated"] is True
    assert "truncated" not in predictions[0]


def test_classify_returns_top_k_best_first(client, expected):
    response = client.post("/v1/models/tiny:classify", json={"texts": SENTENCES[:2], "top_k": 2})
    assert response.status_code == 200
    for text, prediction in zip(SENTENCES, response.get_json()["predictions"], strict=False):
        ranked = sorted(expected[text]["scores"].items(), key=lambda item: -item[1])[:2]
        assert [item["label"] for item in prediction["top_k"]] == [label for label, _ in ranked]
        assert prediction["top_k"][0]["label"] == prediction["label"]


def test_classify_top_k_larger_than_labels_returns_every_label(client):
    response = client.post("/v1/models/tiny:classify", json={"texts": ["fine"], "top_k": 50})
    assert len(response.get_json()["predictions"][0]["top_k"]) == 3


def test_model_status_has_manifest_metadata(client, tiny_bundle):
    response = client.get("/v1/models/tiny")
    assert response.status_code == 200
    body = response.get_json()
    assert body["model_version_status"][0]["state"] == "AVAILABLE"
    metadata = body["metadata"]
    manifest = json.loads((tiny_bundle / "manifest.json").read_text())
    assert metadata["labels"] == manifest["labels"]
    assert metadata["max_length"] == manifest["max_length"]
    assert metadata["variant"] == manifest["recommended"] == "dynamic_int8"
    assert metadata["size_bytes"] == manifest["variants"]["dynamic_int8"]["size_bytes"]
    assert {"quantization", "validation_metrics", "backend"} <= metadata.keys()


def test_list_models(client):
    assert [m["name"] for m in client.get("/v1/models").get_json()["models"]] == ["tiny"]


# --- v2: KServe Open Inference Protocol -------------------------------------------------


def test_v2_health_and_metadata(client):
    assert client.get("/v2/health/live").get_json() == {"live": True}
    assert client.get("/v2/health/ready").get_json() == {"ready": True}
    assert client.get("/v2").get_json()["name"] == "slm-edge"
    metadata = client.get("/v2/models/tiny").get_json()
    assert metadata["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
    assert [o["name"] for o in metadata["outputs"]] == ["label", "score", "scores"]
    assert client.get("/v2/models/tiny/ready").get_json() == {"name": "tiny", "ready": True}
    assert_error(client.get("/v2/models/nope/ready"), 404, "model_not_found")


def test_v2_infer_returns_label_score_and_scores_tensors(client, expected):
    texts = SENTENCES[:3]
    request = {
        "id": "req-1",
        "inputs": [{"name": "text", "shape": [3], "datatype": "BYTES", "data": texts}],
    }
    response = client.post("/v2/models/tiny/infer", json=request)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == "req-1" and body["model_name"] == "tiny"
    outputs = {o["name"]: o for o in body["outputs"]}
    labels = body["parameters"]["labels"]
    assert outputs["label"]["datatype"] == "BYTES" and outputs["label"]["shape"] == [3]
    assert outputs["score"]["datatype"] == "FP32" and outputs["score"]["shape"] == [3]
    assert outputs["scores"]["shape"] == [3, len(labels)]
    for i, text in enumerate(texts):
        assert outputs["label"]["data"][i] == expected[text]["label"]
        row = outputs["scores"]["data"][i * len(labels) : (i + 1) * len(labels)]
        assert row == pytest.approx([expected[text]["scores"][lb] for lb in labels], abs=1e-6)
        assert outputs["score"]["data"][i] == max(row)


def test_v2_infer_accepts_n_by_1_shape_and_selects_outputs(client):
    request = {
        "inputs": [{"name": "text", "shape": [1, 1], "datatype": "BYTES", "data": ["fine"]}],
        "outputs": [{"name": "label"}],
    }
    body = client.post("/v2/models/tiny/infer", json=request).get_json()
    assert [o["name"] for o in body["outputs"]] == ["label"]


@pytest.mark.parametrize(
    "tensor, mentions",
    [
        ({"name": "text", "shape": [2], "datatype": "BYTES", "data": ["a"]}, "shape"),
        ({"name": "text", "shape": [1], "datatype": "FP32", "data": ["a"]}, "datatype"),
        ({"name": "text", "shape": [1], "datatype": "BYTES", "data": [1.5]}, "data[0]"),
        ({"name": "text", "shape": [1], "datatype": "BYTES", "data": [""]}, "data[0]"),
    ],
)
def test_v2_infer_rejects_inconsistent_tensors(client, tensor, mentions):
    response = client.post("/v2/models/tiny/infer", json={"inputs": [tensor]})
    assert response.status_code == 400
    assert mentions in response.get_json()["error"]["message"]


def test_v2_infer_rejects_unknown_outputs(client):
    tensor = {"name": "text", "shape": [1], "datatype": "BYTES", "data": ["a"]}
    body = {"inputs": [tensor], "outputs": [{"name": "logits"}]}
    assert_error(client.post("/v2/models/tiny/infer", json=body), 400, "invalid_request", "logits")


# --- bad input: a clear JSON 4xx and the server stays up --------------------------------


def _post(client, data, content_type="application/json", path="/v1/models/tiny:predict"):
    return client.post(path, data=data, content_type=content_type)


@pytest.mark.parametrize(
    "data, content_type, status, code, mentions",
    [
        (b'{"instances": ["a"', "application/json", 400, "invalid_json", "JSON"),
        (b'{"instances": [NaN]}', "application/json", 400, "invalid_json", "NaN"),
        (b"[" * 100_000, "application/json", 400, "invalid_json", ""),
        (b'{"instances": ["\xff\xfe"]}', "application/json", 400, "invalid_encoding", "UTF-8"),
        (b'{"instances": ["\\ud800"]}', "application/json", 400, "invalid_encoding", "[0]"),
        (b'{"instances": ["a"]}', "text/plain", 415, "unsupported_media_type", "text/plain"),
        (b'{"instances": ["a"]}', None, 415, "unsupported_media_type", "application/json"),
        (b'["a"]', "application/json", 400, "invalid_request", "object"),
        (b"{}", "application/json", 400, "invalid_request", "'instances' is required"),
        (b'{"instances": "a"}', "application/json", 400, "invalid_request", "list"),
        (b'{"instances": [1]}', "application/json", 400, "invalid_request", "instances[0]"),
        (b'{"instances": ["a", null]}', "application/json", 400, "invalid_request", "[1]"),
        (b'{"instances": []}', "application/json", 400, "empty_batch", "empty"),
        (b'{"instances": ["a", ""]}', "application/json", 400, "empty_text", "instances[1]"),
        (b'{"instances": [" \\n\\t"]}', "application/json", 400, "empty_text", "instances[0]"),
    ],
)
def test_bad_input_gets_a_json_4xx(client, data, content_type, status, code, mentions):
    assert_error(_post(client, data, content_type), status, code, mentions)
    assert client.post("/v1/models/tiny:predict", json=GOOD).status_code == 200


@pytest.mark.parametrize("top_k", [0, -1, "2", True, 1.5, None])
def test_classify_rejects_bad_top_k(client, top_k):
    body = {"texts": ["a"], "top_k": top_k}
    response = client.post("/v1/models/tiny:classify", json=body)
    if top_k is None:  # null means the default
        assert response.status_code == 200
    else:
        assert_error(response, 400, "invalid_request", "top_k")


def test_batch_over_the_limit_is_rejected(client):
    response = client.post("/v1/models/tiny:predict", json={"instances": ["a"] * 9})
    assert_error(response, 400, "batch_too_large", "limit is 8")


def test_body_over_the_size_limit_is_413(tiny_bundle):
    app = create_app(ServerConfig(bundle=tiny_bundle, max_content_length=1000))
    try:
        response = app.test_client().post(
            "/v1/models/tiny:predict", json={"instances": ["a" * 2000]}
        )
        assert_error(response, 413, "payload_too_large", "1000 bytes")
    finally:
        app.extensions["slm_edge"].registry.close()


def test_unknown_model_is_404(client):
    for path in ("/v1/models/nope:predict", "/v2/models/nope/infer"):
        assert_error(client.post(path, json=GOOD), 404, "model_not_found", "served: tiny")
    assert_error(client.get("/v1/models/nope"), 404, "model_not_found")
    assert_error(client.get("/no/such/path"), 404, "not_found", "/openapi.json")


def test_wrong_method_is_405_with_allow(client):
    response = client.get("/v1/models/tiny:predict")
    assert_error(response, 405, "method_not_allowed", "GET")
    assert "POST" in response.headers["Allow"]
    assert_error(client.delete("/v2/models/tiny/infer"), 405, "method_not_allowed")


def test_unexpected_error_is_a_generic_500_without_internals(tiny_bundle, caplog):
    class Exploding:
        def __init__(self, inner):
            self.inner = inner
            self.labels, self.max_length = inner.labels, inner.max_length

        def classify(self, texts, top_k=1):
            raise RuntimeError("secret internals at /etc/passwd")

        def close(self):
            self.inner.close()

    config = ServerConfig(
        bundle=tiny_bundle, load_classifier=lambda path: Exploding(TextClassifier.from_bundle(path))
    )
    app = create_app(config)
    try:
        with caplog.at_level(logging.ERROR, logger="slm_edge.server"):
            response = app.test_client().post("/v1/models/tiny:predict", json=GOOD)
        error = assert_error(response, 500, "internal")
        assert "secret" not in response.get_data(as_text=True) and "Traceback" not in str(error)
        assert any("secret internals" in r.exc_text for r in caplog.records if r.exc_text)
        assert app.test_client().get("/v2/health/live").status_code == 200
    finally:
        app.extensions["slm_edge"].registry.close()


# --- token ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secured(tiny_bundle):
    app = create_app(ServerConfig(bundle=tiny_bundle, token=TOKEN))
    yield app.test_client()
    app.extensions["slm_edge"].registry.close()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, "Bearer", "Bearer s3cret-tökén"],
)
def test_token_is_required_when_set(secured, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in [
        ("post", "/v1/models/tiny:predict"),
        ("get", "/metrics"),
        ("get", "/openapi.json"),
        ("get", "/"),
        ("post", "/admin/reload"),
        ("get", "/v2/health/ready"),
        ("get", "/no/such/path"),
    ]:
        response = getattr(secured, method)(path, json=GOOD, headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_right_token_passes_and_liveness_needs_none(secured):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert secured.post("/v1/models/tiny:predict", json=GOOD, headers=headers).status_code == 200
    assert secured.get("/v2/health/live").status_code == 200
    document = secured.get("/openapi.json", headers=headers).get_json()
    assert document["paths"]["/v2/health/live"]["get"]["security"] == []
    assert "401" in document["paths"]["/v1/models/{name}:predict"]["post"]["responses"]


# --- ops: metrics, OpenAPI, the page, request logs ---------------------------------------

_SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$|^.+ \+Inf$')


def test_metrics_are_prometheus_text(client):
    client.post("/v1/models/tiny:predict", json={"instances": SENTENCES})
    client.post("/v1/models/tiny:predict", json={"instances": []})
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    for line in text.splitlines():
        assert line.startswith("# ") or _SAMPLE.match(line), line
    assert 'slm_edge_requests_total{endpoint="v1.predict",model="tiny",status="200"}' in text
    assert 'slm_edge_errors_total{endpoint="v1.predict",code="empty_batch"}' in text
    assert 'slm_edge_request_duration_seconds_bucket{endpoint="v1.predict",le="+Inf"}' in text
    assert 'slm_edge_request_texts_bucket{model="tiny",le="8"}' in text
    assert re.search(r'slm_edge_truncated_texts_total\{model="tiny"\} [1-9]', text)
    assert re.search(r'slm_edge_model_info\{model="tiny",variant="dynamic_int8".*\} 1', text)


def test_openapi_documents_every_route(app, client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routed = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == documented
    assert document["paths"]["/v1/models/{name}:predict"]["post"]["parameters"][0]["schema"] == {
        "type": "string",
        "enum": ["tiny"],
    }


def test_page_is_self_contained_html(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<script>" in page and not re.search(r"(src|href)=\"https?:", page)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_each_request_logs_one_json_line_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="slm_edge.server.access"):
        response = client.post(
            "/v1/models/tiny:predict", json=GOOD, headers={"X-Request-ID": "abc-123"}
        )
        bad = client.post("/v1/models/tiny:predict", json=GOOD, headers={"X-Request-ID": "x y"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", bad.headers["X-Request-ID"])
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name.endswith("access")]
    assert lines[0] | {"ms": 0} == {
        "request_id": "abc-123",
        "method": "POST",
        "path": "/v1/models/tiny:predict",
        "status": 200,
        "ms": 0,
        "model": "tiny",
        "texts": 1,
        "remote": "127.0.0.1",
    }


# --- reload -----------------------------------------------------------------------------


def test_admin_reload_swaps_in_a_new_bundle(models_dir):
    app = create_app(ServerConfig(models_dir=models_dir))
    client = app.test_client()
    registry = app.extensions["slm_edge"].registry
    try:
        before = registry.snapshot()[0]
        relabel_bundle(models_dir / "tiny", ["bad", "meh", "good"])
        shutil.copytree(models_dir / "tiny", models_dir / "second")
        shutil.copytree(models_dir / "tiny", models_dir / ".staging")  # hidden: ignored
        response = client.post("/admin/reload")
        assert response.status_code == 200
        assert response.get_json() == {
            "loaded": ["second", "tiny"],
            "removed": [],
            "failed": {},
            "models": ["second", "tiny"],
        }
        assert registry.snapshot()[1] is not before
        with pytest.raises(RuntimeError):  # the old classifier was closed
            before.classifier.classify(["a"])
        scores = client.post("/v1/models/second:predict", json=GOOD).get_json()
        assert set(scores["predictions"][0]["scores"]) == {"bad", "meh", "good"}
        shutil.rmtree(models_dir / "second")
        assert client.post("/admin/reload").get_json()["removed"] == ["second"]
    finally:
        registry.close()


def test_a_bad_new_bundle_keeps_the_old_model_serving(models_dir, tmp_path, caplog):
    app = create_app(ServerConfig(models_dir=models_dir))
    client = app.test_client()
    expected = client.post("/v1/models/tiny:predict", json=GOOD).get_json()
    try:
        # Replaced as a new directory: overwriting a served model file in place is unsafe
        # (LiteRT memory-maps it), so bundles are swapped by renaming directories.
        shutil.copytree(models_dir / "tiny", tmp_path / "new")
        (tmp_path / "new" / "model.tflite").write_bytes(b"not a model")
        (models_dir / "tiny").rename(tmp_path / "old")
        (tmp_path / "new").rename(models_dir / "tiny")
        with caplog.at_level(logging.ERROR, logger="slm_edge.server"):
            response = client.post("/admin/reload")
        error = assert_error(response, 422, "reload_failed", "sha256")
        assert error["details"]["failed"].keys() == {"tiny"}
        assert any("reload of tiny" in r.getMessage() for r in caplog.records)
        assert client.post("/v1/models/tiny:predict", json=GOOD).get_json() == expected
        assert "slm_edge_reloads_total{result=\"failure\"} 1" in client.get("/metrics").text
    finally:
        app.extensions["slm_edge"].registry.close()


class BlockingClassifier:
    """A stand-in classifier whose ``classify`` waits for a signal (to hold a request open)."""

    labels, max_length = ["no", "yes"], 8

    def __init__(self, version: int):
        self.version = version
        self.entered, self.release = threading.Event(), threading.Event()
        self.closed = False

    def classify(self, texts, top_k=1):
        assert not self.closed, "classify on a closed classifier"
        self.entered.set()
        self.release.wait(5)
        return [self.version] * len(texts)

    def close(self):
        self.closed = True


def test_a_request_keeps_its_model_through_a_reload(tmp_path):
    (tmp_path / "m").mkdir()
    versions: list[BlockingClassifier] = []

    def load(path):
        versions.append(BlockingClassifier(len(versions)))
        return versions[-1]

    registry = ModelRegistry(ModelSource(bundle=tmp_path / "m"), load)
    registry.load()
    results = []

    def request():
        with registry.lease("m") as model:
            results.append(model.classify(["x"]))

    worker = threading.Thread(target=request)
    worker.start()
    assert versions[0].entered.wait(5)
    assert registry.reload().loaded == ["m"]
    assert not versions[0].closed  # still in use by the request
    versions[0].release.set()
    worker.join(5)
    assert results == [[0]] and versions[0].closed and not versions[1].closed
    versions[1].release.set()
    with registry.lease("m") as model:
        assert model.classify(["x"]) == [1]
    registry.close()
    assert versions[1].closed


def test_bundle_names_must_be_url_safe(tiny_bundle, tmp_path):
    shutil.copytree(tiny_bundle, tmp_path / "bad name")
    with pytest.raises(BundleError, match="cannot be a model name"):
        create_app(ServerConfig(bundle=tmp_path / "bad name"))
    with pytest.raises(BundleError, match="no bundles"):
        create_app(ServerConfig(models_dir=tmp_path / "bad name"))


# --- micro-batching ---------------------------------------------------------------------


def test_micro_batcher_groups_concurrent_requests():
    calls = []

    def classify(texts, top_k):
        calls.append(list(texts))
        time.sleep(0.01)
        return [f"{text}:{top_k}" for text in texts]

    batcher = MicroBatcher(classify, max_batch_size=8, max_wait_s=0.05, workers=1)
    results = {}

    def submit(i):
        results[i] = batcher.classify([f"t{i}", f"u{i}"])

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    batcher.close()
    assert results == {i: [f"t{i}:1", f"u{i}:1"] for i in range(6)}
    assert max(len(call) for call in calls) > 2  # requests shared runtime calls
    assert all(len(call) <= 8 for call in calls)


def test_micro_batcher_passes_errors_to_every_caller():
    def classify(texts, top_k):
        raise ValueError("boom")

    batcher = MicroBatcher(classify, workers=1)
    with pytest.raises(ValueError, match="boom"):
        batcher.classify(["a"])
    batcher.close()


def test_micro_batched_server_answers_like_the_runtime(tiny_bundle, expected):
    app = create_app(ServerConfig(bundle=tiny_bundle, micro_batching=True, micro_batch_size=4))
    client = app.test_client()
    try:
        body = client.post("/v1/models/tiny:classify", json={"texts": SENTENCES, "top_k": 2})
        for text, prediction in zip(SENTENCES, body.get_json()["predictions"], strict=True):
            assert matches(prediction, expected[text]) and len(prediction["top_k"]) == 2
        assert "slm_edge_runtime_batch_texts_count" in client.get("/metrics").text
    finally:
        app.extensions["slm_edge"].registry.close()


# --- the command's helpers --------------------------------------------------------------


def test_token_file_must_hold_one_token(tmp_path):
    file = tmp_path / "token"
    file.write_text(f"{TOKEN}\n")
    file.chmod(0o600)
    assert read_token(str(file)) == TOKEN
    for bad in ("", "two words"):
        file.write_text(bad)
        with pytest.raises(SlmEdgeError):
            read_token(str(file))


def test_loopback_detection():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.5")
