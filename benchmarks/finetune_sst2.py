"""Fine-tunes the embedded MiniLM on SST-2 and reports dev accuracy and wall time.

Target (issue 2): at least 88.0% dev accuracy within 30 minutes on a 2-core CPU.

    python benchmarks/finetune_sst2.py [--max-train-examples N] [--epochs 1] [-o runs/sst2]

Reads ../shared/data/sst2 (never copied into the repo); writes the fine-tuned
checkpoint to -o and the figures to benchmarks/results/finetune_sst2.json.
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
    parser.add_argument("--max-train-examples", type=int, help="stratified subset of train")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("-o", "--output", default=str(ROOT / "runs" / "sst2"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from slm_edge.commands.common import atomic_output_dir
    from slm_edge.commands.train import fine_tune_checkpoint

    train_args = argparse.Namespace(
        checkpoint=None,
        train=str(SST2 / "train_full.tsv"),
        dev=str(SST2 / "dev.tsv"),
        dev_fraction=0.1,
        max_train_examples=args.max_train_examples,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        max_length=128,
        seed=0,
        text_column=None,
        label_column=None,
        no_header=False,
    )
    started = time.perf_counter()
    with atomic_output_dir(args.output, overwrite=True) as staging:
        _, result = fine_tune_checkpoint(train_args, staging)
    wall = time.perf_counter() - started
    figures = {
        "benchmark": "finetune_sst2",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "train_examples": args.max_train_examples or 67349,
        "epochs": args.epochs,
        "dev_accuracy": round(result.best_report.accuracy, 4),
        "dev_macro_f1": round(result.best_report.macro_f1, 4),
        "best_step": result.best_step,
        "steps": result.steps,
        "wall_minutes": round(wall / 60, 2),
        "target": {"dev_accuracy": 0.88, "wall_minutes": 30},
        "meets_target": result.best_report.accuracy >= 0.88 and wall / 60 <= 30,
        "history": result.history,
    }
    out = ROOT / "benchmarks" / "results" / "finetune_sst2.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(result.best_report.format_table())
    print(json.dumps({k: v for k, v in figures.items() if k != "history"}, indent=2))


if __name__ == "__main__":
    main()
