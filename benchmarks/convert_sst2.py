"""One `slm-edge convert` on SST-2 with the embedded MiniLM, checked against issue 3's targets.

    python benchmarks/convert_sst2.py [--checkpoint DIR] [--epochs 2] [-o build/sst2]

Without --checkpoint the command fine-tunes the pretrained MiniLM first, so the
wall time covers the whole job. Reads ../shared/data/sst2 (never copied into the
repo); writes benchmarks/results/convert_sst2.json (with --checkpoint:
convert_sst2_from_checkpoint.json).
"""

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SST2 = ROOT.parent / "shared" / "data" / "sst2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="fine-tuned checkpoint (default: pretrained MiniLM)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--qat-steps", type=int, default=300)
    parser.add_argument("-o", "--output", default=str(ROOT / "build" / "sst2"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from slm_edge.cli import main as cli

    command = [
        "convert",
        *([args.checkpoint] if args.checkpoint else []),
        "--train",
        str(SST2 / "train_full.tsv"),
        "--dev",
        str(SST2 / "dev.tsv"),
        "-o",
        args.output,
        "--overwrite",
        "--epochs",
        str(args.epochs),
        "--qat-steps",
        str(args.qat_steps),
    ]
    started = time.perf_counter()
    exit_code = cli(command)
    minutes = (time.perf_counter() - started) / 60
    report = json.loads((Path(args.output) / "report.json").read_text())
    by_variant = {v["variant"]: v for v in report["variants"]}
    float32 = by_variant["float32"]
    recommended = by_variant[report["recommended"]]
    checks = {
        "qat_int8 accuracy >= float32 - 0.5 pt": by_variant["qat_int8"]["accuracy"]
        >= float32["accuracy"] - 0.005,
        "dynamic_int8 accuracy >= float32 - 1.0 pt": by_variant["dynamic_int8"]["accuracy"]
        >= float32["accuracy"] - 0.010,
        "recommended p50@128 <= dynamic_int8 p50@128": recommended["p50_ms_128"]
        <= by_variant["dynamic_int8"]["p50_ms_128"] * 1.02,
        "int8 files <= 27% of float32": all(
            by_variant[v]["size_bytes"] <= 0.27 * float32["size_bytes"]
            for v in ("dynamic_int8", "full_int8", "qat_int8")
        ),
        "whole command <= 45 min": minutes <= 45,
    }
    figures = {
        "benchmark": "convert_sst2",
        "command": "slm-edge " + " ".join(command),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "exit_code": exit_code,
        "wall_minutes": round(minutes, 1),
        "stage_seconds": report["stage_seconds"],
        "recommended": report["recommended"],
        "reason": report["reason"],
        "variants": {
            name: {
                "accuracy": round(v["accuracy"], 4),
                "size_mb": round(v["size_bytes"] / 1e6, 2),
                "size_vs_float32": round(v["size_bytes"] / float32["size_bytes"], 3),
                "p50_ms_128": round(v["p50_ms_128"], 2),
                "p50_ms_dev": round(v["p50_ms_dev"], 2),
                "agreement": round(v["agreement"], 4),
            }
            for name, v in by_variant.items()
        },
        "checks": checks,
    }
    name = "convert_sst2_from_checkpoint" if args.checkpoint else "convert_sst2"
    out = ROOT / "benchmarks" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    print(f"whole command: {minutes:.1f} min; figures in {out}")


if __name__ == "__main__":
    main()
