"""Helpers shared by the server tests (no tests here): a cached tiny bundle and HTTP calls.

Converting the tiny bundle needs TensorFlow and takes ~20 s, so it is made once
and kept in pytest's cache directory under a key of the files that make it; a
change to them makes a new one.
"""

import hashlib
import http.client
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from server import ServerConfig, create_app
from server.runner import GracefulServer

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "good great fun film",
    "bad awful boring plot",
    "the film was fine",
    "i love this movie",
    "not very good, the actor was dull",
    "it was a very very long film " * 20,  # truncated at the tiny max length (64)
]


def _fixture_key() -> str:
    digest = hashlib.sha256()
    for name in ("tests/bundle_fixtures.py", "tests/conftest.py", "slm_edge/bundle.py"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def tiny_bundle(request, tmp_path_factory) -> Path:
    """A tiny real bundle (BERT family, float32 and dynamic_int8) named ``tiny``."""
    if getattr(request.config, "cache", None) is not None:
        cache = Path(request.config.cache.mkdir("slm-edge-server-bundle"))
    else:  # pytest -p no:cacheprovider
        cache = tmp_path_factory.mktemp("slm-edge-server-bundle")
    target = cache / _fixture_key() / "tiny"
    if not (target / "manifest.json").is_file():
        from tests.bundle_fixtures import make_tiny_bundle

        staging = Path(tempfile.mkdtemp(dir=cache))
        bundle = make_tiny_bundle(staging)
        shutil.rmtree(staging / "checkpoint")  # the server never reads it
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(bundle, target)
        except OSError:  # made meanwhile by another run
            pass
        shutil.rmtree(staging, ignore_errors=True)
    return target


@pytest.fixture
def models_dir(tiny_bundle, tmp_path) -> Path:
    """A models directory holding a copy of the tiny bundle as ``tiny``."""
    directory = tmp_path / "models"
    shutil.copytree(tiny_bundle, directory / "tiny")
    return directory


def relabel_bundle(bundle: Path, labels: list[str]) -> None:
    """Renames a bundle's labels in place (a cheap 'new version' of the same model)."""
    from slm_edge.bundle import read_manifest, write_manifest

    manifest = read_manifest(bundle)
    manifest.labels = labels
    (bundle / "labels.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")
    write_manifest(bundle, manifest)


def expected_predictions(bundle: Path, texts: list[str]) -> dict[str, dict]:
    """What the runtime itself says about each text: {text: {label, scores, truncated}}."""
    from slm_edge.runtime import TextClassifier

    with TextClassifier.from_bundle(bundle) as classifier:
        return {
            text: {"label": p.label, "scores": p.scores, "truncated": p.truncated}
            for text, p in zip(texts, classifier.classify(texts), strict=True)
        }


def matches(prediction: dict, expected: dict, tolerance: float = 1e-6) -> bool:
    return (
        prediction["label"] == expected["label"]
        and prediction["scores"].keys() == expected["scores"].keys()
        and all(
            abs(prediction["scores"][k] - v) <= tolerance for k, v in expected["scores"].items()
        )
        and prediction.get("truncated", False) == expected["truncated"]
    )


@contextmanager
def live_server(config: ServerConfig, threads: int = 8) -> Iterator[GracefulServer]:
    """A real waitress server on 127.0.0.1 (ephemeral port) in a thread; drained on exit."""
    app = create_app(config)
    server = GracefulServer(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop(wait=True)
        thread.join(timeout=10)
        app.extensions["slm_edge"].registry.close()


def post_json(
    connection: http.client.HTTPConnection, path: str, body: dict, headers: dict | None = None
) -> tuple[int, dict]:
    """POSTs JSON on a kept-alive connection; (status, parsed body)."""
    connection.request(
        "POST",
        path,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    response = connection.getresponse()
    return response.status, json.loads(response.read())
