"""Plans a bench run, runs each job in a child process, and writes JSON, markdown and a chart."""

import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from slm_edge.bench import BASELINES
from slm_edge.bench.report import (
    check_targets,
    compute_ratios,
    markdown_report,
    write_chart,
)
from slm_edge.bundle import read_manifest
from slm_edge.errors import CheckpointError, SlmEdgeError
from slm_edge.runtime.classifier import TextClassifier
from slm_edge.tokenization import TextTokenizer

# Modules each part needs, and how to install them.
REQUIREMENTS = {
    "bench": (("tqdm", "matplotlib"), "pip install 'tqdm>=4.66' 'matplotlib>=3.8'"),
    "onnxruntime": (
        ("onnxruntime", "onnx", "torch", "transformers"),
        "pip install 'slm-edge[bench]' (onnxruntime, onnx, torch, transformers)",
    ),
    "tensorflow": (("tensorflow", "tf_keras"), "pip install tensorflow==2.21.0 tf-keras==2.21.0"),
}
VERSIONED_PACKAGES = ("ai-edge-litert", "onnxruntime", "tensorflow", "torch", "numpy")


@dataclass
class BenchConfig:
    """What one ``slm-edge bench`` run measures.

    Args:
        bundle: the bundle directory; every variant in its manifest is measured.
        texts: the texts requests are drawn from (e.g. a dev set).
        source: where ``texts`` came from, for the report.
        threads: interpreter / intra-op thread counts; every engine runs at each.
        compare: baselines to run besides LiteRT (``onnxruntime``, ``tensorflow``).
        checkpoint: the checkpoint the baselines load (default: the manifest's
            ``source_checkpoint``).
        runs: timed requests per engine and regime, drawn from ``texts`` with a fixed seed.
        output_dir: where ``<stem>.json``, ``<stem>.md`` and ``<stem>.png`` go.
    """

    bundle: Path
    texts: list[str]
    source: str
    threads: tuple[int, ...] = (1,)
    compare: tuple[str, ...] = BASELINES
    checkpoint: Path | None = None
    runs: int = 200
    output_dir: Path = Path("bench-results")
    stem: str = "bench"


def require(part: str) -> None:
    """A clear error when a module that ``part`` of the bench needs is missing."""
    modules, install = REQUIREMENTS[part]
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise SlmEdgeError(
            f"{'slm-edge bench' if part == 'bench' else f'--compare {part}'} needs "
            f"{', '.join(missing)}, not installed here; run `{install}`"
            + ("" if part == "bench" else f", or leave {part} out of --compare")
        )


def _checkpoint(config: BenchConfig, source_checkpoint: str | None) -> Path:
    checkpoint = config.checkpoint or source_checkpoint
    if checkpoint is None or not Path(checkpoint).is_dir():
        where = "the manifest names none" if checkpoint is None else f"{checkpoint} is not there"
        raise CheckpointError(
            f"the {' and '.join(config.compare)} baselines load the checkpoint the bundle was "
            f"converted from, but {where}; pass --checkpoint DIR, or --compare none"
        )
    return Path(checkpoint)


def _machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def _versions() -> dict[str, str]:
    versions = {}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _warmup_texts(classifier: TextClassifier, texts: list[str], lengths: np.ndarray) -> list[str]:
    """A text for each bucket the requests use, so no bucket is first sized while timed."""
    first_per_bucket = {}
    for text, length in zip(texts, lengths, strict=True):
        first_per_bucket.setdefault(classifier.bucket_for(int(length)), text)
    return list(first_per_bucket.values()) + texts[:3]


def _jobs(config: BenchConfig, variants, checkpoint, onnx_paths: dict[str, Path]) -> list[dict]:
    """Every (engine, variant) at every thread count, thread count outermost."""
    engines = [("litert", variant, str(config.bundle)) for variant in variants]
    engines += [("onnxruntime", variant, str(path)) for variant, path in onnx_paths.items()]
    if "tensorflow" in config.compare:
        engines.append(("tensorflow", "float32", str(checkpoint)))
    return [
        {"engine": engine, "variant": variant, "model": model, "threads": threads}
        for threads in config.threads
        for engine, variant, model in engines
    ]


def _run_child(job: dict, work: Path, index: int) -> dict:
    job_path, result_path = work / f"job-{index}.json", work / f"result-{index}.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "slm_edge.bench.worker", str(job_path), str(result_path)],
        capture_output=True,
        text=True,
        env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    if completed.returncode != 0:
        raise SlmEdgeError(
            f"bench job {job['engine']}/{job['variant']} at {job['threads']} thread(s) failed "
            f"(exit {completed.returncode}); its last output:\n{completed.stderr[-3000:]}"
        )
    measured = json.loads(result_path.read_text(encoding="utf-8"))
    return {key: job[key] for key in ("engine", "variant", "threads")} | measured


def _add_differences(results: list[dict]) -> str | None:
    """Compares every result's probabilities with a reference; returns the reference's name."""
    for engine, variant in (("tensorflow", "float32"), ("litert", "float32")):
        reference = next(
            (r for r in results if (r["engine"], r["variant"]) == (engine, variant)), None
        )
        if reference is not None:
            break
    else:
        return None
    expected = np.array(reference["probabilities"])
    for result in results:
        got = np.array(result["probabilities"])
        result["max_abs_prob_diff"] = float(np.abs(got - expected).max())
        result["agreement"] = float(np.mean(got.argmax(-1) == expected.argmax(-1)))
    return f"{engine}/{variant}"


def run_bench(config: BenchConfig) -> tuple[dict, dict[str, Path]]:
    """Measures every job, writes ``<stem>.json/.md/.png``; returns the summary and paths."""
    require("bench")
    for baseline in config.compare:
        require(baseline)
    from tqdm import tqdm

    manifest = read_manifest(config.bundle)
    classifier = TextClassifier.from_bundle(config.bundle, num_threads=1)
    checkpoint = _checkpoint(config, manifest.source_checkpoint) if config.compare else None
    if not config.texts:
        raise SlmEdgeError(f"{config.source}: no texts to benchmark with")
    picks = np.random.default_rng(0).choice(
        len(config.texts), size=config.runs, replace=config.runs > len(config.texts)
    )
    texts = [config.texts[i] for i in picks]
    tokenizer = config.bundle / manifest.tokenizer.get("file", "tokenizer.json")
    lengths = TextTokenizer(tokenizer, classifier.max_length).token_lengths(texts)
    common = {
        "tokenizer": str(tokenizer),
        "max_length": classifier.max_length,
        "texts": texts,
        "warmup_texts": _warmup_texts(classifier, texts, lengths),
    }
    config.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="slm-edge-bench-") as work:
        onnx_paths = {}
        if "onnxruntime" in config.compare:
            from slm_edge.bench.onnx_export import export_onnx_models

            print("exporting the ONNX Runtime baseline", file=sys.stderr)
            onnx_paths = export_onnx_models(checkpoint, manifest.input_names, Path(work))
        jobs = _jobs(config, manifest.variants, checkpoint, onnx_paths)
        results = []
        progress = tqdm(jobs, desc="bench", unit="job")
        for index, job in enumerate(progress):
            progress.set_postfix_str(f"{job['engine']}/{job['variant']} x{job['threads']}")
            results.append(_run_child(job | common, Path(work), index))
    reference = _add_differences(results)
    for result in results:
        result.pop("probabilities")
        result["recommended"] = (result["engine"], result["variant"]) == (
            "litert",
            manifest.recommended,
        )
    ratios = compute_ratios(results, manifest.recommended)
    summary = {
        "bundle": str(config.bundle),
        "family": manifest.family,
        "recommended": manifest.recommended,
        "max_length": classifier.max_length,
        "sequence_lengths": list(classifier.buckets),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "versions": _versions(),
        "backend": classifier.backend,
        "checkpoint": None if checkpoint is None else str(checkpoint),
        "data": {
            "source": config.source,
            "distinct_texts": len(config.texts),
            "requests": len(texts),
            "tokens_mean": float(lengths.mean()),
            "tokens_p50": float(np.median(lengths)),
            "tokens_max": int(lengths.max()),
        },
        "threads": list(config.threads),
        "reference": reference,
        "results": results,
        "ratios": ratios,
        "targets": check_targets(ratios),
    }
    return summary, write_outputs(summary, config.output_dir, config.stem)


def write_outputs(summary: dict, directory: Path, stem: str) -> dict[str, Path]:
    """Writes ``summary`` as JSON, markdown and a PNG chart; returns their paths."""
    paths = {suffix: directory / f"{stem}.{suffix}" for suffix in ("json", "md", "png")}
    paths["json"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown_report(summary), encoding="utf-8")
    write_chart(summary, paths["png"])
    return paths
