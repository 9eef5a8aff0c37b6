"""``slm-edge bench`` on a tiny bundle: outputs, ratios, targets and clear errors."""

import argparse
import importlib.util
import json

import pytest

from slm_edge.bench.report import check_targets, compute_ratios
from slm_edge.bench.runner import BenchConfig, run_bench
from slm_edge.bench.stats import latency_summary, peak_rss_mb
from slm_edge.bundle import read_manifest, write_manifest
from slm_edge.commands import bench as bench_command
from slm_edge.errors import CheckpointError, SlmEdgeError
from tests.bundle_fixtures import make_tiny_bundle

TEXTS = ["good film", "the plot was boring and the actor was dull", "a fun , great movie !"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return make_tiny_bundle(tmp_path_factory.mktemp("bench-bert"), "bert")


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    bench_command.register(parser.add_subparsers())
    args = parser.parse_args(["bench", *argv])
    return args.handler(args)


def _result(engine, variant, threads, p50_real, p50_padded, throughput_real, throughput_padded):
    return {
        "engine": engine,
        "variant": variant,
        "threads": threads,
        "real": {"p50_ms": p50_real, "throughput_per_s": throughput_real},
        "padded": {"p50_ms": p50_padded, "throughput_per_s": throughput_padded},
    }


def test_ratios_divide_the_measured_figures():
    results = [
        _result("litert", "float32", 1, 4.0, 16.0, 250.0, 62.5),
        _result("litert", "dynamic_int8", 1, 2.0, 6.0, 500.0, 125.0),
        _result("onnxruntime", "dynamic_int8", 1, 3.0, 12.0, 330.0, 80.0),
        _result("tensorflow", "float32", 1, 20.0, 24.0, 50.0, 40.0),
        _result("litert", "dynamic_int8", 2, 1.5, 4.0, 600.0, 250.0),
    ]
    ratios = compute_ratios(results, recommended="dynamic_int8")
    assert ratios["1"] == {
        "litert_vs_ort_int8_p50_padded": pytest.approx(6.0 / 12.0),
        "litert_vs_ort_int8_p50_real": pytest.approx(2.0 / 3.0, abs=1e-4),
        "real_vs_padded_throughput": pytest.approx(500.0 / 125.0),
        "tensorflow_vs_litert_p50_padded": pytest.approx(24.0 / 6.0),
        "tensorflow_vs_litert_p50_real": pytest.approx(20.0 / 2.0),
    }
    assert ratios["2"] == {"real_vs_padded_throughput": pytest.approx(600.0 / 250.0)}
    verdicts = {check["ratio"]: check["passed"] for check in check_targets(ratios)}
    assert verdicts == {
        "litert_vs_ort_int8_p50_padded": True,  # 0.5 <= 0.65
        "real_vs_padded_throughput": True,  # 4.0 >= 3
        "tensorflow_vs_litert_p50_padded": False,  # 4.0 < 5
        "tensorflow_vs_litert_p50_real": True,  # 10.0 >= 5
    }
    assert check_targets({"2": ratios["2"]})[0]["passed"] is None  # no ORT figure: unmeasured


def test_latency_summary_and_peak_memory():
    summary = latency_summary([0.001] * 98 + [0.010, 0.100])
    assert summary["p50_ms"] == pytest.approx(1.0)
    assert summary["p99_ms"] > 10.0 and summary["requests"] == 100
    assert summary["throughput_per_s"] == pytest.approx(100 / (0.098 + 0.110))
    assert peak_rss_mb() > 10


def test_bench_writes_json_markdown_and_chart(bundle, tmp_path, capsys):
    data = tmp_path / "dev.tsv"
    data.write_text("text\tlabel\n" + "".join(f"{t}\tpositive\n" for t in TEXTS))
    output = tmp_path / "results"
    exit_code = _cli(
        str(bundle),
        "--threads",
        "1",
        "--runs",
        "6",
        "--compare",
        "none",
        "--data",
        str(data),
        "-o",
        str(output),
    )
    assert exit_code == 0
    summary = json.loads((output / "bench.json").read_text())
    manifest = read_manifest(bundle)
    assert [(r["engine"], r["variant"]) for r in summary["results"]] == [
        ("litert", variant) for variant in manifest.variants
    ]
    for result in summary["results"]:
        assert result["threads"] == 1 and result["peak_rss_mb"] > 0 and result["load_seconds"] > 0
        for regime in ("real", "padded"):
            assert result[regime]["requests"] == 6
            assert set(result[regime]) >= {"p50_ms", "p90_ms", "p99_ms", "throughput_per_s"}
    assert summary["reference"] == "litert/float32"
    assert summary["data"]["distinct_texts"] == len(TEXTS)
    assert set(summary["ratios"]["1"]) == {"real_vs_padded_throughput"}
    assert {check["ratio"] for check in summary["targets"]} >= {"real_vs_padded_throughput"}
    markdown = (output / "bench.md").read_text()
    assert "| litert | dynamic_int8 (recommended) | 1 |" in markdown
    assert (output / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## Targets" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("onnxruntime", "torch", "transformers")),
    reason="the ONNX Runtime baseline needs the bench extra",
)
def test_bench_baselines_agree_with_litert(bundle, tmp_path):
    config = BenchConfig(bundle, TEXTS, "test texts", runs=4, output_dir=tmp_path)
    summary, _ = run_bench(config)
    by_engine = {(r["engine"], r["variant"]): r for r in summary["results"]}
    assert set(by_engine) == {
        ("litert", "float32"),
        ("litert", "dynamic_int8"),
        ("onnxruntime", "float32"),
        ("onnxruntime", "dynamic_int8"),
        ("tensorflow", "float32"),
    }
    assert summary["reference"] == "tensorflow/float32"
    # Same checkpoint, same inputs: the float engines agree with Keras.
    assert by_engine[("litert", "float32")]["max_abs_prob_diff"] < 1e-4
    assert by_engine[("onnxruntime", "float32")]["max_abs_prob_diff"] < 1e-4
    assert all(check["value"] is not None for check in summary["targets"])


def test_baselines_without_a_checkpoint_are_a_clear_error(bundle, tmp_path):
    copy = tmp_path / "bundle"
    copy.mkdir()
    for path in bundle.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    manifest = read_manifest(copy)
    manifest.source_checkpoint = None
    write_manifest(copy, manifest)
    config = BenchConfig(copy, TEXTS, "test texts", compare=("tensorflow",), output_dir=tmp_path)
    with pytest.raises(CheckpointError, match="pass --checkpoint DIR, or --compare none"):
        run_bench(config)


def test_missing_baseline_package_is_a_clear_error(bundle, tmp_path, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *rest: None if name == "onnxruntime" else real_find_spec(name, *rest),
    )
    config = BenchConfig(bundle, TEXTS, "test texts", compare=("onnxruntime",))
    with pytest.raises(SlmEdgeError, match=r"needs onnxruntime.*pip install 'slm-edge\[bench\]'"):
        run_bench(config)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--threads", "0"], "positive thread counts"),
        (["--compare", "pytorch"], "unknown baseline pytorch"),
        (["--runs", "-3"], "positive number of runs"),
    ],
)
def test_rejects_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit):
        _cli("bundle", *argv)
    assert message in capsys.readouterr().err
