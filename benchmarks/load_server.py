"""Load test of `slm-edge serve` on loopback: latency, throughput, HTTP overhead, micro-batching.

    python benchmarks/load_server.py build/sst2 [--clients 16] [--duration 30] [--threads 4]

Starts the server in a subprocess on 127.0.0.1 (an ephemeral port), once with and
once without micro-batching, and drives it from this process with keep-alive
HTTP/1.1 clients. Every answer is checked against the runtime called directly.
HTTP overhead is the p50 of one client sending one text at a time minus the p50
of the runtime classifying that text in-process (target: at most 2 ms).
Writes benchmarks/results/load_server.json and prints a table.
"""

import argparse
import http.client
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "a joy to watch from start to finish",
    "the plot is thin and the acting is wooden",
    "an ambitious, moving and often funny film",
    "i wanted to leave after twenty minutes",
    "not the best of the series, but far from the worst",
    "the cast is great; the script lets them down",
    "a tedious, lifeless exercise in style",
    "one of the most beautiful films of the year",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def summarize(latencies_s: list[float]) -> dict:
    ms = [value * 1000 for value in latencies_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


class ServerProcess:
    """`slm-edge serve` in a subprocess, logging as in production (one JSON line a request)."""

    def __init__(self, bundle: Path, threads: int, micro_batching: bool, model_threads: int | None):
        command = [
            sys.executable, "-m", "slm_edge.commands.serve", str(bundle),
            "--host", "127.0.0.1", "--port", "0", "--threads", str(threads),
        ]  # fmt: skip
        if micro_batching:
            command.append("--micro-batching")
        if model_threads:
            command += ["--model-threads", str(model_threads)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        self.port = self._wait_for_port()
        # Drain the access log so that the pipe never fills.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def _wait_for_port(self) -> int:
        lines = []
        for line in self.process.stderr:
            lines.append(line)
            found = re.search(r"serving \S+ on http://127\.0\.0\.1:(\d+)", line)
            if found:
                return int(found.group(1))
        raise SystemExit("the server did not start:\n" + "".join(lines))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def post(connection: http.client.HTTPConnection, model: str, texts: list[str]) -> tuple[int, dict]:
    connection.request(
        "POST",
        f"/v1/models/{model}:predict",
        body=json.dumps({"instances": texts}).encode(),
        headers={"Content-Type": "application/json"},
    )
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def sequential(port: int, model: str, text: str, requests: int) -> list[float]:
    """One client, one text per request, one request at a time."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(20):  # warm-up
        post(connection, model, [text])
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        post(connection, model, [text])
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies


def load(port: int, model: str, clients: int, seconds: float, expected: dict) -> dict:
    """``clients`` keep-alive clients send one text per request for ``seconds``."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    counts = {"ok": 0, "wrong": 0, "http_4xx": 0, "http_5xx": 0, "connection_errors": 0}
    error_samples: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        post(connection, model, [SENTENCES[0]])
        start.wait()
        i = index
        while time.monotonic() < stop_at[0]:
            text = SENTENCES[i % len(SENTENCES)]
            i += 1
            began = time.perf_counter()
            try:
                status, body = post(connection, model, [text])
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    counts["connection_errors"] += 1
                    if len(error_samples) < 5:
                        error_samples.append(f"{type(error).__name__}: {error}")
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies[index].append(time.perf_counter() - began)
            if status >= 500:
                outcome = "http_5xx"
            elif status >= 400:
                outcome = "http_4xx"
            else:
                got = body["predictions"][0]
                right = got["label"] == expected[text]["label"] and all(
                    abs(got["scores"][k] - v) <= 1e-6 for k, v in expected[text]["scores"].items()
                )
                outcome = "ok" if right else "wrong"
            with lock:
                counts[outcome] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at.append(time.monotonic() + seconds)
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    merged = [value for values in latencies for value in values]
    return {
        **summarize(merged),
        "throughput_rps": round(len(merged) / elapsed, 1),
        "seconds": round(elapsed, 2),
        "clients": clients,
        **counts,
        "error_samples": error_samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="bundle directory (e.g. build/sst2)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per load run")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--model-threads", type=int, help="interpreter threads per request")
    parser.add_argument("--sequential-requests", type=int, default=300)
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks" / "results" /
                        "load_server.json")  # fmt: skip
    args = parser.parse_args()
    model = Path(os.path.abspath(args.bundle)).name

    from slm_edge.runtime import TextClassifier

    with TextClassifier.from_bundle(args.bundle, num_threads=args.model_threads) as classifier:
        predictions = classifier.classify(SENTENCES)
        expected = {
            text: {"label": p.label, "scores": p.scores}
            for text, p in zip(SENTENCES, predictions, strict=True)
        }
        for _ in range(20):
            classifier.classify([SENTENCES[0]])
        runtime = []
        for _ in range(args.sequential_requests):
            began = time.perf_counter()
            classifier.classify([SENTENCES[0]])
            runtime.append(time.perf_counter() - began)
        backend = classifier.backend
        model_threads = classifier.num_threads

    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "bundle": str(args.bundle),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "config": {
            "clients": args.clients,
            "duration_s": args.duration,
            "waitress_threads": args.threads,
            "model_threads": model_threads,
            "backend": backend,
            "texts_per_request": 1,
        },
        "runtime_in_process": summarize(runtime),
    }
    for micro_batching in (False, True):
        key = "micro_batching_on" if micro_batching else "micro_batching_off"
        server = ServerProcess(args.bundle, args.threads, micro_batching, args.model_threads)
        try:
            one = sequential(server.port, model, SENTENCES[0], args.sequential_requests)
            single = summarize(one)
            under_load = load(server.port, model, args.clients, args.duration, expected)
        finally:
            server.stop()
        results[key] = {"one_client": single, "under_load": under_load}
    off = results["micro_batching_off"]
    results["http_overhead_p50_ms"] = round(
        off["one_client"]["p50_ms"] - results["runtime_in_process"]["p50_ms"], 3
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nwrote {args.output}")


def print_table(results: dict) -> None:
    runtime = results["runtime_in_process"]
    print(
        f"runtime in-process, 1 text: p50 {runtime['p50_ms']:.2f} ms, "
        f"p99 {runtime['p99_ms']:.2f} ms"
    )
    print(f"HTTP overhead (server p50 - runtime p50, 1 client): "
          f"{results['http_overhead_p50_ms']:.2f} ms (target <= 2 ms)")  # fmt: skip
    header = f"{'micro-batching':<15}{'run':<12}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}"
    print("\n" + header + f"{'ok':>8}{'wrong':>7}{'5xx':>6}{'errors':>8}")
    for key in ("micro_batching_off", "micro_batching_on"):
        label = "on" if key.endswith("on") else "off"
        one, loaded = results[key]["one_client"], results[key]["under_load"]
        print(f"{label:<15}{'1 client':<12}{one['p50_ms']:>9.2f}{one['p99_ms']:>9.2f}")
        print(
            f"{label:<15}{str(loaded['clients']) + ' clients':<12}{loaded['p50_ms']:>9.2f}"
            f"{loaded['p99_ms']:>9.2f}{loaded['throughput_rps']:>9.1f}{loaded['ok']:>8}"
            f"{loaded['wrong']:>7}{loaded['http_5xx']:>6}{loaded['connection_errors']:>8}"
        )


if __name__ == "__main__":
    main()
