"""``slm-edge bench``: latency, throughput, memory and load time of a bundle against baselines."""

import argparse
import os
from pathlib import Path

from slm_edge.bench import BASELINES
from slm_edge.commands.common import add_data_columns, read_data


def _thread_counts(value: str) -> tuple[int, ...]:
    try:
        counts = tuple(dict.fromkeys(int(part) for part in value.split(",") if part.strip()))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give positive thread counts, e.g. 1,4")
    return counts


def _baselines(value: str) -> tuple[str, ...]:
    if value.strip().lower() in ("", "none"):
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [name for name in names if name not in BASELINES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown baseline {', '.join(unknown)}; choose from {', '.join(BASELINES)} or none"
        )
    return names


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give a positive number of runs")
    return int(value)


def register(subparsers) -> None:
    cores = os.cpu_count() or 1
    parser = subparsers.add_parser(
        "bench",
        help="measure a bundle's latency, throughput and memory against TF and ONNX Runtime",
        description=(
            "Measure every variant of a bundle on LiteRT, and the checkpoint it came from in "
            "TensorFlow (Keras float) and ONNX Runtime (float32 and dynamic int8), at each "
            "thread count, on texts at their own length and padded to the bundle's max length. "
            "Each engine runs in its own process, so its peak memory and load time are its own. "
            "Writes bench.json, bench.md and bench.png to -o."
        ),
    )
    parser.add_argument("bundle", type=Path, help="bundle directory (from slm-edge convert)")
    parser.add_argument(
        "--threads",
        type=_thread_counts,
        default=_thread_counts(f"1,{cores}"),
        help=f"comma-separated thread counts (default: 1,{cores})",
    )
    parser.add_argument(
        "--data", help="labelled texts to draw requests from, e.g. dev.tsv (default: demo texts)"
    )
    parser.add_argument(
        "--compare",
        type=_baselines,
        default=BASELINES,
        help="baselines: onnxruntime, tensorflow, or none (default: onnxruntime,tensorflow)",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        help="checkpoint for the baselines (default: the manifest's source_checkpoint)",
    )
    parser.add_argument(
        "--runs", type=_positive, default=200, help="timed requests per engine and regime"
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("bench-results"), help="results directory"
    )
    add_data_columns(parser)
    parser.set_defaults(handler=run)


def _texts(args: argparse.Namespace) -> tuple[list[str], str]:
    if args.data:
        return read_data(args.data, args, split="val").texts, args.data
    from slm_edge.demo_data import demo_examples

    return [text for text, _ in demo_examples()], "the demo sentences (slm_edge.demo_data)"


def run(args: argparse.Namespace) -> int:
    from slm_edge.bench.report import markdown_report
    from slm_edge.bench.runner import BenchConfig, run_bench

    texts, source = _texts(args)
    config = BenchConfig(
        bundle=args.bundle,
        texts=texts,
        source=source,
        threads=args.threads,
        compare=args.compare,
        checkpoint=args.checkpoint,
        runs=args.runs,
        output_dir=args.output,
    )
    summary, paths = run_bench(config)
    print(markdown_report(summary))
    print(f"wrote {', '.join(str(path) for path in paths.values())}")
    return 0
