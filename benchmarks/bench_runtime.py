"""`slm-edge bench` on the SST-2 bundle, checked against issue 4's targets.

    python benchmarks/bench_runtime.py [BUNDLE] [--threads 1,2] [--runs N] [--checkpoint DIR]
        [-o benchmarks/results]

BUNDLE defaults to build/sst2 (made by benchmarks/convert_sst2.py). Requests are the
SST-2 dev sentences (../shared/data/sst2/dev.tsv, never copied into the repo), all of
them unless --runs says fewer. The TensorFlow and ONNX Runtime baselines load the
bundle's source checkpoint (or --checkpoint). Writes
benchmarks/results/bench_runtime.{json,md,png}.
"""

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SST2_DEV = ROOT.parent / "shared" / "data" / "sst2" / "dev.tsv"


def main() -> None:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default=str(ROOT / "build" / "sst2"))
    parser.add_argument("--threads", default=f"1,{cores}", help="comma-separated thread counts")
    parser.add_argument("--runs", type=int, help="timed requests per regime (default: all dev)")
    parser.add_argument("--checkpoint", help="baselines' checkpoint (default: the manifest's)")
    parser.add_argument("-o", "--output-dir", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from slm_edge.bench.report import markdown_report
    from slm_edge.bench.runner import BenchConfig, run_bench
    from slm_edge.data import read_dataset

    dev = read_dataset(SST2_DEV, split="val")
    config = BenchConfig(
        bundle=Path(args.bundle),
        texts=dev.texts,
        source=f"SST-2 dev ({SST2_DEV.name})",
        threads=tuple(dict.fromkeys(int(t) for t in args.threads.split(","))),
        checkpoint=Path(args.checkpoint) if args.checkpoint else None,
        runs=args.runs or len(dev),
        output_dir=Path(args.output_dir),
        stem="bench_runtime",
    )
    summary, paths = run_bench(config)
    print(markdown_report(summary))
    for check in summary["targets"]:
        verdict = {True: "PASS", False: "FAIL", None: "NOT MEASURED"}[check["passed"]]
        value = "n/a" if check["value"] is None else f"{check['value']:.2f}"
        print(f"{verdict}  {check['target']} ({value}, {check['threads']} thread)")
    print(f"figures in {', '.join(str(path) for path in paths.values())}")


if __name__ == "__main__":
    main()
