"""``slm-edge train``: fine-tune a checkpoint on labelled text."""

import argparse
import sys
import time
from pathlib import Path

from slm_edge.commands.common import add_data_columns, atomic_output_dir, read_data


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="fine-tune a checkpoint on labelled text",
        description=(
            "Fine-tune a Hugging Face encoder checkpoint as a text classifier on a CPU. The best "
            "model on the dev set is saved as a Hugging Face checkpoint that transformers loads."
        ),
    )
    parser.add_argument(
        "checkpoint", nargs="?", help="local HF checkpoint dir (default: embedded MiniLM)"
    )
    parser.add_argument("--train", required=True, help="training data (.tsv, .csv, .jsonl, .json)")
    parser.add_argument(
        "--dev", help="dev data; without it, a stratified --dev-fraction of --train is held out"
    )
    parser.add_argument("--dev-fraction", type=float, default=0.1)
    parser.add_argument("-o", "--output", required=True, help="output checkpoint directory")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    add_training_options(parser)
    add_data_columns(parser)
    parser.set_defaults(handler=run)


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """Hyper-parameter flags, shared with ``convert`` (which may fine-tune first)."""
    from slm_edge.training_config import TrainConfig

    defaults = TrainConfig()
    group = parser.add_argument_group("training")
    group.add_argument("--epochs", type=int, default=defaults.epochs)
    group.add_argument("--batch-size", type=int, default=defaults.batch_size)
    group.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    group.add_argument("--max-length", type=int, default=defaults.max_length)
    group.add_argument(
        "--max-train-examples", type=int, help="use a random subset of this many training texts"
    )
    group.add_argument("--seed", type=int, default=defaults.seed)


def training_config(args: argparse.Namespace):
    from slm_edge.training_config import TrainConfig

    return TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        max_length=args.max_length,
        seed=args.seed,
    )


def load_train_dev(args: argparse.Namespace):
    """The (train, dev) datasets the flags describe."""
    from slm_edge.data import stratified_split, stratified_subset

    train = read_data(args.train, args, split="train")
    if args.dev:
        dev = read_data(args.dev, args, split="val")
    else:
        train, dev = stratified_split(train, args.dev_fraction, seed=args.seed)
    return stratified_subset(train, args.max_train_examples, args.seed), dev


def fine_tune_checkpoint(args: argparse.Namespace, output: Path):
    """Loads, fine-tunes and saves; returns the loaded model and its training result."""
    from slm_edge.data import LabelMap
    from slm_edge.models import load_classifier, save_hf_checkpoint
    from slm_edge.tokenization import TextTokenizer
    from slm_edge.training import fine_tune, write_training_summary

    train, dev = load_train_dev(args)
    labels = LabelMap.from_labels(train.labels).names
    started = time.perf_counter()
    loaded = load_classifier(args.checkpoint, labels=labels)
    print(
        f"loaded {loaded.checkpoint_dir} ({loaded.family.name}): {loaded.report.summary()} "
        f"[{time.perf_counter() - started:.1f}s]",
        file=sys.stderr,
    )
    print(
        f"train: {len(train)} texts, dev: {len(dev)} texts, labels: {loaded.labels}",
        file=sys.stderr,
    )
    config = training_config(args)
    tokenizer = TextTokenizer(loaded.checkpoint_dir / "tokenizer.json", config.max_length)
    result = fine_tune(loaded, tokenizer, train, dev, config)
    save_hf_checkpoint(loaded, output)
    write_training_summary(result, config, output / "training.json")
    return loaded, result


def run(args: argparse.Namespace) -> int:
    with atomic_output_dir(args.output, args.overwrite) as staging:
        _, result = fine_tune_checkpoint(args, staging)
    print(result.best_report.format_table())
    print(
        f"\nbest dev {args.output} at step {result.best_step}/{result.steps}, "
        f"{result.seconds / 60:.1f} min; saved to {args.output}"
    )
    return 0
