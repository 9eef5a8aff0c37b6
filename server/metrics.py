"""Prometheus metrics, written in the text exposition format by hand (no extra dependency)."""

import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "slm_edge"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)

Labels = tuple[tuple[str, str], ...]


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def format_labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in labels) + "}"


def format_value(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


class Histogram:
    """Cumulative buckets, sum and count for one label set."""

    def __init__(self, buckets: Sequence[float]) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[index] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str, labels: Labels) -> Iterable[str]:
        for bound, count in zip(self.buckets, self.counts, strict=True):
            bucket = (*labels, ("le", format_value(bound)))
            yield f"{name}_bucket{format_labels(bucket)} {count}"
        yield f"{name}_bucket{format_labels((*labels, ('le', '+Inf')))} {self.count}"
        yield f"{name}_sum{format_labels(labels)} {format_value(self.total)}"
        yield f"{name}_count{format_labels(labels)} {self.count}"


class ServerMetrics:
    """Counters and histograms of the server; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[Labels, int] = defaultdict(int)
        self._errors: dict[Labels, int] = defaultdict(int)
        self._latency: dict[Labels, Histogram] = {}
        self._request_texts: dict[Labels, Histogram] = {}
        self._runtime_batches: dict[Labels, Histogram] = {}
        self._truncated: dict[Labels, int] = defaultdict(int)
        self._reloads: dict[Labels, int] = defaultdict(int)
        self._in_flight = 0

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def request_finished(
        self,
        endpoint: str,
        model: str,
        status: int,
        seconds: float,
        texts: int | None = None,
        truncated: int = 0,
        error_code: str | None = None,
    ) -> None:
        with self._lock:
            self._in_flight -= 1
            self._requests[
                (("endpoint", endpoint), ("model", model), ("status", str(status)))
            ] += 1
            key = (("endpoint", endpoint),)
            self._latency.setdefault(key, Histogram(LATENCY_BUCKETS)).observe(seconds)
            if error_code is not None:
                self._errors[(("endpoint", endpoint), ("code", error_code))] += 1
            if texts is not None and model:
                model_key = (("model", model),)
                hist = self._request_texts.setdefault(model_key, Histogram(BATCH_BUCKETS))
                hist.observe(texts)
                if truncated:
                    self._truncated[model_key] += truncated

    def runtime_batch(self, model: str, size: int) -> None:
        """One micro-batched runtime call of ``size`` texts."""
        with self._lock:
            key = (("model", model),)
            self._runtime_batches.setdefault(key, Histogram(BATCH_BUCKETS)).observe(size)

    def reload_finished(self, ok: bool) -> None:
        with self._lock:
            self._reloads[(("result", "success" if ok else "failure"),)] += 1

    def render(self, models: Sequence[dict]) -> str:
        """The exposition text; ``models`` are dicts of model-info labels plus load_seconds."""
        out: list[str] = []

        def family(name: str, kind: str, help_text: str) -> str:
            full = f"{PREFIX}_{name}"
            out.append(f"# HELP {full} {help_text}")
            out.append(f"# TYPE {full} {kind}")
            return full

        with self._lock:
            name = family("requests_total", "counter", "HTTP requests by endpoint, model, status.")
            out += [f"{name}{format_labels(k)} {v}" for k, v in sorted(self._requests.items())]
            name = family("errors_total", "counter", "Error responses by endpoint and code.")
            out += [f"{name}{format_labels(k)} {v}" for k, v in sorted(self._errors.items())]
            name = family(
                "request_duration_seconds", "histogram", "Request latency in the app, by endpoint."
            )
            for key, hist in sorted(self._latency.items()):
                out += hist.lines(name, key)
            name = family("request_texts", "histogram", "Texts per inference request, by model.")
            for key, hist in sorted(self._request_texts.items()):
                out += hist.lines(name, key)
            name = family(
                "runtime_batch_texts", "histogram", "Texts per micro-batched runtime call."
            )
            for key, hist in sorted(self._runtime_batches.items()):
                out += hist.lines(name, key)
            name = family("truncated_texts_total", "counter", "Texts cut to the max length.")
            out += [f"{name}{format_labels(k)} {v}" for k, v in sorted(self._truncated.items())]
            name = family("reloads_total", "counter", "Hot reloads by result.")
            out += [f"{name}{format_labels(k)} {v}" for k, v in sorted(self._reloads.items())]
            name = family("requests_in_flight", "gauge", "Requests being handled now.")
            out.append(f"{name} {self._in_flight}")
        name = family("model_info", "gauge", "Served models (value is always 1).")
        for info in models:
            labels = tuple((k, str(v)) for k, v in info.items() if k != "load_seconds")
            out.append(f"{name}{format_labels(labels)} 1")
        name = family("model_load_seconds", "gauge", "Seconds the served model took to load.")
        for info in models:
            out.append(
                f"{name}{format_labels((('model', info['model']),))} "
                f"{format_value(info['load_seconds'])}"
            )
        return "\n".join(out) + "\n"
