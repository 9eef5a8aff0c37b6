"""Dynamic sequence dimension vs fixed-length signatures: size, load time, latency, memory.

    python benchmarks/sequence_strategy.py [--checkpoint DIR | --tiny] [--runs 200] [--warmup 20]

For the float32 and dynamic_int8 variants of a classifier (default: the embedded
all-MiniLM-L6-v2 with a fresh 2-label head; ``--tiny``: a tiny random BERT for a
quick check; ``--checkpoint DIR``: any supported checkpoint) this converts

* ``dynamic``: the shipped model, inputs ``[1, -1]`` (``converters.export.convert_to_tflite``),
  run with one interpreter per length bucket, resized once;
* ``multisig``: one file with a fixed-length signature per bucket (``len16`` ... ``len128``),
  run with ``Interpreter.get_signature_runner``;
* ``fixed<L>``: for reference, a file with the longest length only;

and measures, with LiteRT on ``--threads`` (default 1) threads: invoke latency per
length (p50/p90, strategies interleaved in rounds so that background load hits all
of them alike), file sizes and how much the signatures share weights, load time, what
a resize + allocate_tensors costs on the dynamic model (the price of resizing per
request instead of keeping an interpreter per bucket), and the peak RSS of a fresh
process (no TensorFlow) that holds every bucket.

Writes benchmarks/results/sequence_strategy.json and .png (``_tiny`` with --tiny).
"""

import argparse
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
LENGTHS = (16, 32, 64, 128)
VARIANTS = ("float32", "dynamic_int8")
OUTPUT_NAME = "probabilities"  # converters.export.OUTPUT_NAME, without importing TensorFlow
# peak-RSS mode -> the file it loads ("fixed" stands for the fixed<L> file)
RSS_MODES = {
    "dynamic": "dynamic",
    "dynamic_single": "dynamic",
    "multisig": "multisig",
    "fixed": "fixed",
}


def signature_key(length: int) -> str:
    return f"len{length}"


# --------------------------------------------------------------------------- conversion


def convert_fixed_lengths(model: Any, lengths: list[int], variant: str) -> bytes:
    """One flatbuffer with a fixed-shape signature ``len<L>`` per length (one length:
    the single ``serving_default`` signature)."""
    import tensorflow as tf

    from converters.ops import check_builtin_ops

    functions = []
    for length in lengths:
        specs = {name: tf.TensorSpec([1, length], tf.int32, name) for name in model.input_names}

        def serve(inputs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
            return {OUTPUT_NAME: model(inputs, training=False)}

        # TF 2.21 names each signature after its function's graph, i.e. the Python name.
        serve.__name__ = signature_key(length)
        functions.append(
            tf.function(serve, input_signature=[specs], autograph=False).get_concrete_function()
        )
    converter = tf.lite.TFLiteConverter.from_concrete_functions(functions, model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if variant == "dynamic_int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif variant != "float32":
        raise ValueError(f"unsupported variant {variant!r}")
    flatbuffer = converter.convert()
    check_builtin_ops(flatbuffer, variant)
    keys = sorted(Interpreter(model_content=flatbuffer).get_signature_list())
    expected = ["serving_default"] if len(lengths) == 1 else sorted(map(signature_key, lengths))
    if keys != expected:
        raise RuntimeError(f"signature keys {keys}, expected {expected}")
    return flatbuffer


def flatbuffer_layout(flatbuffer: bytes) -> dict[str, Any]:
    """Subgraphs, operators and constant buffers, and how many bytes several subgraphs share."""
    model = schema.Model.GetRootAs(flatbuffer, 0)
    users: dict[int, set[int]] = {}
    operators = []
    for index in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(index)
        operators.append(subgraph.OperatorsLength())
        for tensor in range(subgraph.TensorsLength()):
            users.setdefault(subgraph.Tensors(tensor).Buffer(), set()).add(index)

    def size(buffer: int) -> int:
        entry = model.Buffers(buffer)
        return int(entry.DataLength() or entry.Size())  # Size: data stored after the flatbuffer

    sizes = {b: size(b) for b in range(model.BuffersLength())}
    return {
        "subgraphs": model.SubgraphsLength(),
        "operators_per_subgraph": operators,
        "constant_bytes": sum(sizes.values()),
        "constant_bytes_shared_by_subgraphs": sum(
            sizes.get(b, 0) for b, subgraphs in users.items() if len(subgraphs) > 1
        ),
    }


# --------------------------------------------------------------------------- runners


@dataclass
class Runner:
    """One bucket, ready to run: ``call`` goes through the public signature-runner API
    (set inputs, invoke, read the output); ``invoke`` is the bare invoke on inputs already set."""

    call: Callable[[], np.ndarray]
    invoke: Callable[[], None]


def _bucket(interpreter: Interpreter, key: str | None, inputs: dict[str, np.ndarray]) -> Runner:
    """The signature ``key`` of ``interpreter``, run once on ``inputs`` (which allocates it)."""
    runner = interpreter.get_signature_runner(key)
    names = set(runner.get_input_details())
    if names != set(inputs):
        raise RuntimeError(f"signature inputs {sorted(names)}, expected {sorted(inputs)}")
    runner(**inputs)
    # LiteRT's Python API has no public invoke of a given subgraph, and Interpreter.invoke()
    # refuses to run while a SignatureRunner holds the interpreter: use the wrapper it holds.
    wrapper, subgraph = runner._interpreter_wrapper, runner._subgraph_index

    def call() -> np.ndarray:
        return runner(**inputs)[OUTPUT_NAME]

    def invoke() -> None:
        wrapper.Invoke(subgraph)

    return Runner(call=call, invoke=invoke)


def dynamic_runner(
    flatbuffer: bytes, length: int, inputs: dict[str, np.ndarray], threads: int
) -> Runner:
    """The shipped way: a dynamic-length interpreter resized once to ``[1, length]``."""
    interpreter = Interpreter(model_content=flatbuffer, num_threads=threads)
    for detail in interpreter.get_input_details():  # before a SignatureRunner holds it
        interpreter.resize_tensor_input(detail["index"], [1, length])
    interpreter.allocate_tensors()
    # From here on the runner's per-call resize and allocate_tensors are no-ops.
    return _bucket(interpreter, None, inputs)


def signature_runners(
    flatbuffer: bytes, inputs_by_length: dict[int, dict[str, np.ndarray]], threads: int
) -> tuple[Interpreter, dict[int, Runner]]:
    """One interpreter, one signature runner per length (``serving_default`` if only one)."""
    interpreter = Interpreter(model_content=flatbuffer, num_threads=threads)
    single = len(interpreter.get_signature_list()) == 1
    runners = {
        length: _bucket(interpreter, None if single else signature_key(length), inputs)
        for length, inputs in inputs_by_length.items()
    }
    return interpreter, runners


def make_inputs(input_names: list[str], length: int, vocab_size: int) -> dict[str, np.ndarray]:
    """A full-length request: random ids, every position attended."""
    rng = np.random.default_rng(length)
    inputs = {}
    for name in input_names:
        if name == "input_ids":
            inputs[name] = rng.integers(5, vocab_size, size=(1, length), dtype=np.int32)
        elif name == "attention_mask":
            inputs[name] = np.ones((1, length), np.int32)
        else:
            inputs[name] = np.zeros((1, length), np.int32)
    return inputs


# --------------------------------------------------------------------------- measurements


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 4),
        "p90_ms": round(float(np.percentile(ms, 90)), 4),
        "mean_ms": round(float(ms.mean()), 4),
        "n": len(ms),
    }


def _timed(function: Callable[[], object], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def time_interleaved(
    runners: dict[str, Runner], runs: int, warmup: int, rounds: int
) -> dict[str, dict[str, dict[str, float]]]:
    """p50/p90 of ``invoke`` and ``call`` per runner, runners taking turns in ``rounds``."""
    for runner in runners.values():
        _timed(runner.call, warmup)
    per_round = max(1, math.ceil(runs / rounds))
    samples: dict[str, dict[str, list[float]]] = {n: {"invoke": [], "call": []} for n in runners}
    for _ in range(rounds):
        for name, runner in runners.items():
            samples[name]["invoke"] += _timed(runner.invoke, per_round)
            samples[name]["call"] += _timed(runner.call, per_round)
    return {
        name: {kind: percentiles(values) for kind, values in by_kind.items()}
        for name, by_kind in samples.items()
    }


def load_times(
    flatbuffer: bytes,
    strategy: str,
    inputs_by_length: dict[int, dict[str, np.ndarray]],
    threads: int,
    reps: int,
) -> dict[str, float]:
    """Median ms of Interpreter() + allocate_tensors (the dynamic model sized for the longest
    bucket), and of getting every bucket to its first result."""
    longest = max(inputs_by_length)
    load, ready = [], []
    for _ in range(reps):
        started = time.perf_counter()
        interpreter = Interpreter(model_content=flatbuffer, num_threads=threads)
        if strategy == "dynamic":
            for detail in interpreter.get_input_details():
                interpreter.resize_tensor_input(detail["index"], [1, longest])
        interpreter.allocate_tensors()
        load.append(time.perf_counter() - started)
        del interpreter
        started = time.perf_counter()
        if strategy == "dynamic":
            held = [
                dynamic_runner(flatbuffer, length, inputs, threads)
                for length, inputs in inputs_by_length.items()
            ]
        else:
            held = [signature_runners(flatbuffer, inputs_by_length, threads)]
        ready.append(time.perf_counter() - started)
        del held
    return {
        "load_ms": round(float(np.median(load)) * 1000, 3),
        "all_buckets_first_result_ms": round(float(np.median(ready)) * 1000, 3),
    }


def resize_costs(
    flatbuffer: bytes, inputs_by_length: dict[int, dict[str, np.ndarray]], threads: int, reps: int
) -> dict[int, dict[str, dict[str, float]]]:
    """One dynamic interpreter cycling through the lengths: resize_tensor_input on every input
    + allocate_tensors, then the first invoke at the new shape."""
    interpreter = Interpreter(model_content=flatbuffer, num_threads=threads)
    details = interpreter.get_input_details()
    by_name = {
        name: d
        for name in next(iter(inputs_by_length.values()))
        for d in details
        if name in d["name"]
    }
    resize: dict[int, list[float]] = {n: [] for n in inputs_by_length}
    first: dict[int, list[float]] = {n: [] for n in inputs_by_length}
    for rep in range(reps + 1):  # the first cycle warms up
        for length, inputs in inputs_by_length.items():
            started = time.perf_counter()
            for detail in details:
                interpreter.resize_tensor_input(detail["index"], [1, length])
            interpreter.allocate_tensors()
            resized = time.perf_counter()
            for name, detail in by_name.items():
                interpreter.set_tensor(detail["index"], inputs[name])
            set_done = time.perf_counter()
            interpreter.invoke()
            invoked = time.perf_counter()
            if rep:
                resize[length].append(resized - started)
                first[length].append(invoked - set_done)
    return {
        n: {"resize_allocate": percentiles(resize[n]), "first_invoke": percentiles(first[n])}
        for n in inputs_by_length
    }


def peak_rss(mode: str, path: Path, lengths: list[int], threads: int) -> dict[str, float] | None:
    """Runs this script in a fresh process (``--rss-child``) holding every bucket of ``mode``."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--rss-child",
        mode,
        str(path),
        "--threads",
        str(threads),
        "--lengths",
        *map(str, lengths),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        print(f"peak RSS of {mode} {path.name} failed: {done.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _memory_kb() -> dict[str, int]:
    """VmRSS and VmHWM of this process in KiB. Not getrusage's ru_maxrss: across fork + exec
    that keeps the parent's peak (here a process with TensorFlow loaded)."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM")}


def rss_child(mode: str, path: str, lengths: list[int], threads: int) -> None:
    """In a fresh process without TensorFlow: read ``path`` once into memory (as the runtime
    does: ``model_content``, shared by every interpreter), run every bucket of ``mode`` once
    while holding them all, print the RSS figures as JSON."""
    baseline = _memory_kb()["VmRSS"]
    flatbuffer = Path(path).read_bytes()
    probe = Interpreter(model_content=flatbuffer)
    keys = list(probe.get_signature_list())
    names = list(probe.get_signature_runner(keys[0]).get_input_details())
    del probe
    inputs = {n: {name: np.zeros((1, n), np.int32) for name in names} for n in lengths}
    held: list[object] = []
    if mode == "dynamic":
        held += [dynamic_runner(flatbuffer, n, inputs[n], threads) for n in lengths]
    elif mode == "dynamic_single":
        interpreter = Interpreter(model_content=flatbuffer, num_threads=threads)
        runner = interpreter.get_signature_runner()
        for n in lengths:
            runner(**inputs[n])  # resizes and re-allocates per request
        held.append(interpreter)
    elif mode in ("multisig", "fixed"):
        interpreter = Interpreter(model_content=flatbuffer, num_threads=threads)
        for n in lengths if mode == "multisig" else [max(lengths)]:
            key = signature_key(n) if len(keys) > 1 else keys[0]
            interpreter.get_signature_runner(key)(**inputs[n])
        held.append(interpreter)
    else:
        raise SystemExit(f"unknown mode {mode}")
    memory = _memory_kb()
    peak, resident = memory["VmHWM"], memory["VmRSS"]
    print(
        json.dumps(
            {
                "baseline_mb": round(baseline / 1024, 1),
                "peak_mb": round(peak / 1024, 1),
                "held_mb": round(resident / 1024, 1),
                "delta_peak_mb": round((peak - baseline) / 1024, 1),
            }
        )
    )


# --------------------------------------------------------------------------- reporting


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    colors = dict(
        zip(results["variants"], ["tab:blue", "tab:orange", "tab:green", "tab:red"], strict=False)
    )
    styles = {"dynamic": ("-", "o"), "multisig": ("--", "s")}
    for variant, by_variant in results["latency"].items():
        for strategy, (line, marker) in styles.items():
            lengths = [int(n) for n in by_variant]
            p50 = [by_variant[str(n)][strategy]["invoke"]["p50_ms"] for n in lengths]
            axes.plot(
                lengths,
                p50,
                line,
                marker=marker,
                color=colors[variant],
                label=f"{strategy} / {variant}",
            )
        fixed = results["fixed_strategy"]
        longest = str(max(int(n) for n in by_variant))
        axes.plot(
            [int(longest)],
            [by_variant[longest][fixed]["invoke"]["p50_ms"]],
            "*",
            markersize=12,
            color=colors[variant],
            label=f"{fixed} / {variant}",
        )
    axes.set_xscale("log", base=2)
    axes.set_xticks(results["lengths"], [str(n) for n in results["lengths"]])
    axes.set_xlabel("sequence length (tokens, padded to the bucket)")
    axes.set_ylabel(f"invoke p50 (ms, {results['threads']} thread)")
    axes.set_title(f"{results['model']['name']}: dynamic length vs fixed-length signatures")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def markdown(results: dict[str, Any]) -> str:
    fixed = results["fixed_strategy"]
    lines = [
        "| variant | strategy | size (MB) | constants (MB) | of which shared by signatures "
        "(MB) | ops per signature | load (ms) | all buckets first result (ms) | "
        "peak RSS, all buckets held (MB, + over idle process) |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for variant in results["variants"]:
        for strategy in ("dynamic", "multisig", fixed):
            file = results["files"][variant][strategy]
            rss = (
                results["peak_rss"].get(variant, {}).get("fixed" if strategy == fixed else strategy)
            )
            rss_text = f"{rss['peak_mb']:.0f} (+{rss['delta_peak_mb']:.0f})" if rss else "-"
            layout = file["layout"]
            lines.append(
                f"| {variant} | {strategy} | {file['size_bytes'] / 1e6:.2f} | "
                f"{layout['constant_bytes'] / 1e6:.2f} | "
                f"{layout['constant_bytes_shared_by_subgraphs'] / 1e6:.2f} | "
                f"{'/'.join(map(str, layout['operators_per_subgraph']))} | "
                f"{file['load_ms']:.1f} | {file['all_buckets_first_result_ms']:.1f} | {rss_text} |"
            )
    single = {v: r.get("dynamic_single") for v, r in results["peak_rss"].items()}
    if any(single.values()):
        lines.append("")
        lines.append(
            "Peak RSS with ONE dynamic interpreter resized per request: "
            + ", ".join(
                f"{v} {r['peak_mb']:.0f} MB (+{r['delta_peak_mb']:.0f})"
                for v, r in single.items()
                if r
            )
        )
    lines += [
        "",
        f"| variant | L | dynamic invoke p50 / p90 (ms) | multisig invoke p50 / p90 (ms) | "
        f"multisig / dynamic p50 | dynamic call p50 | multisig call p50 | {fixed} invoke p50 | "
        "max abs prob diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for variant, by_length in results["latency"].items():
        for length, cell in by_length.items():
            dyn, sig = cell["dynamic"], cell["multisig"]
            ref = f"{cell[fixed]['invoke']['p50_ms']:.3f}" if fixed in cell else "-"
            ratio = sig["invoke"]["p50_ms"] / dyn["invoke"]["p50_ms"]
            lines.append(
                f"| {variant} | {length} | {dyn['invoke']['p50_ms']:.3f} / "
                f"{dyn['invoke']['p90_ms']:.3f} | {sig['invoke']['p50_ms']:.3f} / "
                f"{sig['invoke']['p90_ms']:.3f} | {ratio:.2f} | {dyn['call']['p50_ms']:.3f} | "
                f"{sig['call']['p50_ms']:.3f} | {ref} | {cell['max_abs_prob_diff']:.2e} |"
            )
    lines += [
        "",
        "| variant | resize to L | resize + allocate_tensors p50 (ms) | first invoke after "
        "resize p50 (ms) | steady invoke p50 (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for variant, by_length in results["resize"].items():
        for length, cost in by_length.items():
            steady = results["latency"][variant][length]["dynamic"]["invoke"]["p50_ms"]
            lines.append(
                f"| {variant} | {length} | {cost['resize_allocate']['p50_ms']:.3f} | "
                f"{cost['first_invoke']['p50_ms']:.3f} | {steady:.3f} |"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def load_model(args: argparse.Namespace, workdir: Path):
    from slm_edge.errors import CheckpointError
    from slm_edge.models import load_classifier

    if args.tiny:
        import importlib.util

        spec = importlib.util.spec_from_file_location("conftest", ROOT / "tests" / "conftest.py")
        conftest = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conftest)
        return load_classifier(conftest.make_tiny_checkpoint("bert", workdir / "tiny"))
    if args.checkpoint is None:
        return load_classifier(None, labels=["0", "1"])
    try:
        return load_classifier(args.checkpoint)
    except CheckpointError:  # no task head: a fresh 2-label one (latency does not care)
        return load_classifier(args.checkpoint, labels=["0", "1"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--checkpoint", help="HF checkpoint dir (default: embedded MiniLM)")
    source.add_argument("--tiny", action="store_true", help="tiny random BERT, a smoke run")
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--runs", type=int, default=200, help="timed invokes per bucket")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="interleaving rounds")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--resize-reps", type=int, default=20)
    parser.add_argument("--load-reps", type=int, default=5)
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-RSS processes")
    parser.add_argument("-o", "--output-dir", type=Path, default=RESULTS)
    parser.add_argument("--rss-child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.rss_child:
        rss_child(*args.rss_child, sorted(args.lengths), args.threads)
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(ROOT))
    import tensorflow as tf

    from converters.export import convert_to_tflite, inference_model

    with tempfile.TemporaryDirectory(prefix="sequence_strategy_") as temp:
        workdir = Path(temp)
        loaded = load_model(args, workdir)
        limit = loaded.config.max_sequence_length
        lengths = sorted(n for n in set(args.lengths) if n <= limit)
        if dropped := sorted(n for n in set(args.lengths) if n > limit):
            print(f"lengths {dropped} exceed the model's {limit} positions; skipped")
        longest = max(lengths)
        fixed = f"fixed{longest}"
        model = inference_model(loaded.model)
        input_names = list(model.input_names)
        inputs = {n: make_inputs(input_names, n, loaded.config.vocab_size) for n in lengths}

        flatbuffers: dict[str, dict[str, bytes]] = {}
        jobs = [(v, s) for v in args.variants for s in ("dynamic", "multisig", fixed)]
        for variant, strategy in tqdm(jobs, desc="convert"):
            if strategy == "dynamic":
                flatbuffer = convert_to_tflite(model, variant)
            else:
                chosen = lengths if strategy == "multisig" else [longest]
                flatbuffer = convert_fixed_lengths(model, chosen, variant)
            flatbuffers.setdefault(variant, {})[strategy] = flatbuffer
            (workdir / f"{variant}_{strategy}.tflite").write_bytes(flatbuffer)

        files: dict[str, dict[str, Any]] = {}
        latency: dict[str, dict[str, Any]] = {}
        resize: dict[str, Any] = {}
        rss: dict[str, dict[str, Any]] = {}
        cells = [(v, n) for v in args.variants for n in lengths]
        progress = tqdm(total=len(cells) + 2 * len(args.variants), desc="measure")
        for variant in args.variants:
            by_strategy = flatbuffers[variant]
            files[variant] = {}
            for strategy, flatbuffer in by_strategy.items():
                chosen = inputs if strategy != fixed else {longest: inputs[longest]}
                files[variant][strategy] = {
                    "size_bytes": len(flatbuffer),
                    "layout": flatbuffer_layout(flatbuffer),
                    **load_times(
                        flatbuffer,
                        "dynamic" if strategy == "dynamic" else "signatures",
                        chosen,
                        args.threads,
                        args.load_reps,
                    ),
                }
            progress.update()
            _, multisig = signature_runners(by_strategy["multisig"], inputs, args.threads)
            _, fixed_runner = signature_runners(
                by_strategy[fixed], {longest: inputs[longest]}, args.threads
            )
            latency[variant] = {}
            for length in lengths:
                runners = {
                    "dynamic": dynamic_runner(
                        by_strategy["dynamic"], length, inputs[length], args.threads
                    ),
                    "multisig": multisig[length],
                }
                if length == longest:
                    runners[fixed] = fixed_runner[longest]
                cell: dict[str, Any] = time_interleaved(
                    runners, args.runs, args.warmup, args.rounds
                )
                cell["max_abs_prob_diff"] = float(
                    max(
                        np.abs(runner.call() - runners["dynamic"].call()).max()
                        for runner in runners.values()
                    )
                )
                latency[variant][str(length)] = cell
                progress.update()
            resize[variant] = {
                str(n): cost
                for n, cost in resize_costs(
                    by_strategy["dynamic"], inputs, args.threads, args.resize_reps
                ).items()
            }
            if not args.no_rss:
                rss[variant] = {}
                for mode, strategy in RSS_MODES.items():
                    name = fixed if strategy == "fixed" else strategy
                    file = workdir / f"{variant}_{name}.tflite"
                    rss[variant][mode] = peak_rss(mode, file, lengths, args.threads)
            progress.update()
        progress.close()

    import ai_edge_litert

    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["python", *sys.argv]),
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "versions": {
            "tensorflow": tf.__version__,
            "ai_edge_litert": getattr(ai_edge_litert, "__version__", "unknown"),
        },
        "model": {
            "name": "tiny-random-bert" if args.tiny else Path(loaded.checkpoint_dir).name,
            "checkpoint": str(loaded.checkpoint_dir) if not args.tiny else None,
            "hidden_size": loaded.config.hidden_size,
            "num_layers": loaded.config.num_layers,
            "inputs": input_names,
        },
        "threads": args.threads,
        "runs": args.runs,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "lengths": lengths,
        "variants": list(args.variants),
        "fixed_strategy": fixed,
        "notes": {
            "invoke": "the bucket's subgraph Invoke alone, inputs already set",
            "call": "SignatureRunner(**inputs): resize (no-op), allocate (no-op), set, invoke, get",
            "load_ms": "Interpreter(model_content) + allocate_tensors (dynamic: sized to the "
            "longest bucket)",
            "all_buckets_first_result_ms": "dynamic: one interpreter per bucket, each "
            "constructed, resized, allocated and run once; "
            "signatures: one interpreter, each signature run once",
            "peak_rss": "fresh process without TensorFlow, model read once (model_content), "
            "every bucket run once and held; delta is over the process after "
            "importing numpy and ai_edge_litert; dynamic_single is one dynamic "
            "interpreter resized per request",
        },
        "files": files,
        "latency": latency,
        "resize": resize,
        "peak_rss": rss,
    }
    args.output_dir.mkdir(parents=True, exist_ok=True)
    stem = "sequence_strategy_tiny" if args.tiny else "sequence_strategy"
    json_path = args.output_dir / f"{stem}.json"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    png_path = args.output_dir / f"{stem}.png"
    plot(results, png_path)
    print(markdown(results))
    print(f"\nwrote {json_path} and {png_path}")


if __name__ == "__main__":
    main()
