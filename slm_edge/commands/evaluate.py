"""``slm-edge eval``: score a fine-tuned checkpoint on labelled data."""

import argparse
from pathlib import Path

from slm_edge.commands.common import add_data_columns, read_data


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score a fine-tuned checkpoint on labelled data",
        description=(
            "Accuracy, macro-F1, per-class precision and recall, and a confusion matrix, "
            "printed as a table and written as JSON."
        ),
    )
    parser.add_argument("model", help="fine-tuned HF checkpoint directory (from `slm-edge train`)")
    parser.add_argument("--data", required=True, help="labelled data (.tsv, .csv, .jsonl, .json)")
    parser.add_argument(
        "--report", help="JSON report path (default: eval-<data name>.json beside the data)"
    )
    parser.add_argument("--max-length", type=int, default=128)
    add_data_columns(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slm_edge.evaluation import write_report
    from slm_edge.models import load_classifier
    from slm_edge.tokenization import TextTokenizer
    from slm_edge.training import evaluate_model

    dataset = read_data(args.data, args, split="test")
    loaded = load_classifier(args.model)
    tokenizer = TextTokenizer(loaded.checkpoint_dir / "tokenizer.json", args.max_length)
    report = evaluate_model(loaded, tokenizer, dataset)
    data = Path(args.data)
    report_path = Path(args.report or data.with_name(f"eval-{data.stem}.json"))
    write_report(report, report_path)
    print(report.format_table())
    print(f"\nreport written to {report_path}")
    return 0
