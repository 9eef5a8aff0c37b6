"""``slm-edge convert``: checkpoint → validated TFLite variants in a bundle directory."""

import argparse
import sys

from slm_edge.commands.common import add_data_columns, atomic_output_dir, read_data
from slm_edge.commands.train import add_training_options, training_config


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a checkpoint to validated TFLite models in a bundle",
        description=(
            "Convert a Hugging Face checkpoint (pretrained or fine-tuned) to float32, float16, "
            "dynamic-range int8, full int8 and QAT int8 TFLite models, validate each on dev data, "
            "and write a bundle (model files, tokenizer, labels, manifest, report). A checkpoint "
            "without a task head is fine-tuned on --train first."
        ),
    )
    parser.add_argument(
        "checkpoint", nargs="?", help="local HF checkpoint dir (default: embedded MiniLM)"
    )
    parser.add_argument("--train", help="training data: fine-tuning, QAT and calibration")
    parser.add_argument("--dev", help="dev data for validation (default: held out from --train)")
    parser.add_argument("-o", "--output", required=True, help="bundle directory to write")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    parser.add_argument(
        "--variants",
        default="float32,float16,dynamic_int8,full_int8,qat_int8",
        help="comma-separated variants to export (default: all)",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=1.0,
        help="largest accuracy drop in points a variant may have against Keras float "
        "(default 1.0); exit code 3 when one falls below",
    )
    parser.add_argument("--qat-steps", type=int, default=300, help="QAT fine-tuning steps")
    parser.add_argument(
        "--sequence-lengths", default="16,32,64,128", help="length buckets for the runtime"
    )
    add_training_options(parser)
    add_data_columns(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from converters.pipeline import ConvertOptions, convert_checkpoint
    from slm_edge.bundle import VARIANTS
    from slm_edge.data import stratified_subset
    from slm_edge.errors import SlmEdgeError, ValidationError

    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown or "float32" not in variants:
        raise SlmEdgeError(
            f"--variants: {', '.join(unknown) or 'float32 is required'}; choose from "
            f"{', '.join(VARIANTS)} (float32 is always included as the reference)"
        )
    lengths = tuple(sorted(int(n) for n in args.sequence_lengths.split(",")))
    if lengths[-1] < args.max_length:
        lengths = (*lengths, args.max_length)
    options = ConvertOptions(
        variants=variants,
        tolerance=args.tolerance / 100,
        sequence_lengths=lengths,
        qat_steps=args.qat_steps,
    )
    train = read_data(args.train, args, split="train") if args.train else None
    dev = read_data(args.dev, args, split="val") if args.dev else None
    if train is not None:
        train = stratified_subset(train, args.max_train_examples, args.seed)
    failure = None
    with atomic_output_dir(args.output, args.overwrite) as staging:
        try:
            convert_checkpoint(args.checkpoint, staging, train, dev, options, training_config(args))
        except ValidationError as error:  # the bundle is complete; keep it, then fail
            failure = error
    print(f"bundle written to {args.output}", file=sys.stderr)
    if failure is not None:
        print(f"error: {failure}", file=sys.stderr)
        return 3
    return 0
