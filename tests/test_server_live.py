"""The server as deployed: waitress on 127.0.0.1 under load, reloads, signals, no TensorFlow."""

import faulthandler
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from server import ServerConfig
from tests import test_server_support as support
from tests.test_server_support import (
    ROOT,
    SENTENCES,
    expected_predictions,
    live_server,
    matches,
    post_json,
    relabel_bundle,
)

tiny_bundle, models_dir = support.tiny_bundle, support.models_dir  # shared fixtures

pytestmark = pytest.mark.slow
PREDICT = "/v1/models/tiny:predict"
STALL_SECONDS = 5.0


def hammer(port: int, seconds: float, clients: int, check) -> dict:
    """``clients`` threads POST batches of SENTENCES for ``seconds``; counts outcomes.

    A failed request's reason is kept under ``"reasons"``. If any request takes longer
    than STALL_SECONDS, every thread's stack (server threads included: the server runs in
    this process) is written to stderr once, so a hang shows where it is stuck.
    """
    counts = {"ok": 0, "wrong": 0, "4xx": 0, "5xx": 0, "errors": 0}
    reasons: list[str] = []
    started: dict[int, float] = {}  # client index -> when its request in flight began
    lock = threading.Lock()  # guards counts, reasons and started
    stop_at = time.monotonic() + seconds
    finished = threading.Event()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        request = 0
        while time.monotonic() < stop_at:
            size = 1 + index % 3
            texts = [SENTENCES[(index + request + i) % len(SENTENCES)] for i in range(size)]
            request += 1
            with lock:
                started[index] = time.monotonic()
            reason = None
            try:
                status, body = post_json(connection, PREDICT, {"instances": texts})
                outcome = "ok" if status == 200 and check(texts, body) else "wrong"
                if status >= 500:
                    outcome = "5xx"
                elif status >= 400:
                    outcome = "4xx"
                if outcome != "ok":
                    reason = f"HTTP {status}: {body}"
            except (OSError, http.client.HTTPException, ValueError) as error:
                outcome, reason = "errors", f"{type(error).__name__}: {error}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                started.pop(index)
                counts[outcome] += 1
                if reason is not None:
                    reasons.append(f"client {index}, request {request}: {reason}")
        connection.close()

    def watchdog() -> None:
        while not finished.wait(0.5):
            with lock:  # clients add and remove entries while we look
                oldest = min(started.values(), default=time.monotonic())
            if time.monotonic() - oldest > STALL_SECONDS:
                print(f"a request has been in flight for over {STALL_SECONDS}s:", file=sys.stderr)
                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
                return

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    monitor = threading.Thread(target=watchdog, daemon=True)
    monitor.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 15)
    finished.set()
    return {**counts, "reasons": reasons[:10]}


def assert_only_right_answers(counts: dict) -> None:
    failed = {outcome: n for outcome, n in counts.items() if outcome not in ("ok", "reasons") and n}
    assert not failed, (failed, counts["reasons"])


@pytest.mark.parametrize("micro_batching", [False, True], ids=["direct", "micro-batched"])
def test_concurrent_clients_get_only_right_answers(tiny_bundle, micro_batching):
    expected = expected_predictions(tiny_bundle, SENTENCES)

    def check(texts, body):
        predictions = body["predictions"]
        return len(predictions) == len(texts) and all(
            matches(p, expected[t]) for t, p in zip(texts, predictions, strict=True)
        )

    config = ServerConfig(bundle=tiny_bundle, micro_batching=micro_batching)
    with live_server(config, threads=8) as server:
        seconds = 1.5 if micro_batching else 3
        counts = hammer(server.port, seconds=seconds, clients=8, check=check)
    assert counts["ok"] > 50, counts
    assert_only_right_answers(counts)


def test_reloads_under_load_drop_nothing(models_dir, tmp_path):
    """``tiny`` swaps between two releases (other label names) while 8 clients run."""
    versions = {}
    for name, labels in (("a", ["negative", "neutral", "positive"]), ("b", ["neg", "neu", "pos"])):
        shutil.copytree(models_dir / "tiny", tmp_path / name)
        relabel_bundle(tmp_path / name, labels)
        versions[name] = expected_predictions(tmp_path / name, SENTENCES)
    shutil.rmtree(models_dir / "tiny")
    (models_dir / "tiny").symlink_to(tmp_path / "a")
    seen = set()

    def check(texts, body):
        # Each response comes wholly from one version of the model, never a mix.
        pairs = list(zip(texts, body["predictions"], strict=True))
        for name, expected in versions.items():
            if all(matches(prediction, expected[text]) for text, prediction in pairs):
                seen.add(name)
                return True
        return False

    reloads = []
    with live_server(ServerConfig(models_dir=models_dir), threads=8) as server:
        stop = threading.Event()

        def swap_and_reload() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            step = 0
            while not stop.is_set():
                # The safe way to update: point the symlink at a complete new release.
                link = models_dir / f".tiny-{step}"
                link.symlink_to(tmp_path / "ba"[step % 2])
                os.replace(link, models_dir / "tiny")
                status, body = post_json(connection, "/admin/reload", {})
                reloads.append((status, body["loaded"]))
                step += 1
                time.sleep(0.1)
            connection.close()

        reloader = threading.Thread(target=swap_and_reload)
        reloader.start()
        counts = hammer(server.port, seconds=3, clients=8, check=check)
        stop.set()
        reloader.join(10)
    assert len(reloads) >= 5 and all(r == (200, ["tiny"]) for r in reloads), reloads
    assert counts["ok"] > 50 and seen == {"a", "b"}, (counts, seen)
    assert_only_right_answers(counts)


def _python(script: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_the_server_never_imports_tensorflow(tiny_bundle):
    script = """
        import json, sys
        from pathlib import Path
        import slm_edge.commands.serve, server.runner
        from server import ServerConfig, create_app
        app = create_app(ServerConfig(bundle=Path(sys.argv[1]), micro_batching=True))
        client = app.test_client()
        for path, body in [("/v1/models/tiny:predict", {"instances": ["good film"]}),
                           ("/v2/models/tiny/infer", {"inputs": [{"name": "text", "shape": [1],
                            "datatype": "BYTES", "data": ["bad"]}]})]:
            assert client.post(path, json=body).status_code == 200
        client.get("/metrics"); client.get("/openapi.json"); client.post("/admin/reload")
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
                                ("tensorflow", "tf_keras", "torch", "transformers"))))
    """
    process = _python(script, str(tiny_bundle))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == []


SLOW_SERVER = """
    import sys, time
    from pathlib import Path
    from server import ServerConfig, create_app
    from server.logs import configure_logging
    from server.runner import GracefulServer, serve
    from slm_edge.runtime import TextClassifier

    class Slow:  # the real classifier, one second slower per call
        def __init__(self, path):
            self.inner = TextClassifier.from_bundle(path)
            self.labels, self.max_length = self.inner.labels, self.inner.max_length
        def classify(self, texts, top_k=1):
            time.sleep(1.0)
            return self.inner.classify(texts, top_k=top_k)
        def close(self):
            self.inner.close()

    configure_logging()
    app = create_app(ServerConfig(bundle=Path(sys.argv[1]), load_classifier=Slow))
    serve(GracefulServer(app, port=0, threads=4))
"""


def wait_until_serving(process: subprocess.Popen, lines: list[str]) -> int:
    """The port from the 'serving ... on' log line (logged once the signal handlers are set)."""
    for line in process.stderr:
        lines.append(line)
        found = re.search(r"serving \S+ on http://127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError("the server did not start:\n" + "".join(lines))


def wait_for_in_flight(port: int, requests: int) -> None:
    """Polls /metrics until ``requests`` others are in flight (this poll counts itself)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(100):
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
        if int(re.search(r"^slm_edge_requests_in_flight (\d+)$", text, re.M).group(1)) > requests:
            break
        time.sleep(0.05)
    connection.close()


def test_sigterm_finishes_in_flight_requests_then_exits(tiny_bundle):
    process = _python(SLOW_SERVER, str(tiny_bundle))
    lines: list[str] = []
    try:
        port = wait_until_serving(process, lines)
        process.send_signal(signal.SIGHUP)  # a reload, in the background
        results = []

        def slow_request() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            results.append(post_json(connection, "/v1/models/tiny:predict", {"instances": ["ok"]}))

        request = threading.Thread(target=slow_request)
        request.start()
        wait_for_in_flight(port, 1)  # the request is now inside the 1 s classify
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        with pytest.raises(ConnectionRefusedError):  # no new connections once stopping
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/")
        request.join(10)
        err = "".join(lines) + process.communicate(timeout=10)[1]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert results and results[0][0] == 200 and results[0][1]["predictions"][0]["label"]
    messages = [json.loads(line).get("message", "") for line in err.splitlines() if "{" in line]
    assert "SIGHUP received: reloading models" in messages
    assert "SIGTERM received" in messages and messages[-1] == "stopped"


def test_serve_command_with_a_token_file(tiny_bundle, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("0123456789abcdef0123456789abcdef\n")
    token_file.chmod(0o600)
    process = subprocess.Popen(
        [sys.executable, "-m", "slm_edge.commands.serve", str(tiny_bundle), "--port", "0",
         "--token-file", str(token_file), "--threads", "2"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = wait_until_serving(process, [])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        status, _ = post_json(connection, "/v1/models/tiny:predict", {"instances": ["fine"]})
        assert status == 401
        status, body = post_json(
            connection,
            "/v1/models/tiny:predict",
            {"instances": ["fine"]},
            headers={"Authorization": "Bearer 0123456789abcdef0123456789abcdef"},
        )
        assert status == 200 and body["predictions"][0]["label"]
        connection.request("GET", "/v2/health/live")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()


def test_the_command_refuses_a_bundle_it_cannot_load(tmp_path):
    (tmp_path / "empty").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "slm_edge.commands.serve", str(tmp_path / "empty"), "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "manifest.json: not found" in result.stderr
    assert Path(tmp_path / "empty").is_dir()
