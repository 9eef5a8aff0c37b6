"""One bench job in a fresh process: ``python -m slm_edge.bench.worker JOB RESULT``.

JOB is a JSON file (engine, variant, threads, model, tokenizer, max_length, texts,
warmup_texts); RESULT receives the measurements as JSON. A process per job keeps
peak RSS, imports and load time to one engine.
"""

import importlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from slm_edge.bench.engines import ENGINE_MODULES, ENGINES
from slm_edge.bench.stats import latency_summary, peak_rss_mb


def _timed_pass(engine, texts: list[str], pad_to: int | None) -> tuple[list[float], np.ndarray]:
    seconds, outputs = [], []
    for text in texts:
        started = time.perf_counter()
        outputs.append(engine.predict(text, pad_to))
        seconds.append(time.perf_counter() - started)
    return seconds, np.stack(outputs)


def run_job(job: dict) -> dict:
    """Imports, loads (until the first prediction), warms up and times both regimes."""
    started = time.perf_counter()
    for module in ENGINE_MODULES[job["engine"]]:
        importlib.import_module(module)
    imported = time.perf_counter()
    engine = ENGINES[job["engine"]](job)
    engine.predict(job["texts"][0], None)
    loaded = time.perf_counter()
    result = {
        "import_seconds": round(imported - started, 3),
        "load_seconds": round(loaded - imported, 3),
    }
    for regime, pad_to in (("real", None), ("padded", job["max_length"])):
        for text in job["warmup_texts"]:
            engine.predict(text, pad_to)
        seconds, probabilities = _timed_pass(engine, job["texts"], pad_to)
        result[regime] = latency_summary(seconds)
        if regime == "real":
            result["probabilities"] = probabilities.tolist()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main(argv: list[str] | None = None) -> None:
    job_path, result_path = argv or sys.argv[1:]
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    Path(result_path).write_text(json.dumps(run_job(job)), encoding="utf-8")


if __name__ == "__main__":
    main()
