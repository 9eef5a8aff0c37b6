"""The ``slm-edge`` command line: one sub-command per module in ``slm_edge.commands``.

Heavy imports (TensorFlow) happen inside the commands that need them, so
``--help`` is instant and device-side commands never load TensorFlow.
"""

import argparse
import sys
import traceback

from slm_edge import __version__
from slm_edge.commands import COMMANDS
from slm_edge.errors import SlmEdgeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slm-edge",
        description=(
            "Fine-tune small Hugging Face encoders, convert them to validated TFLite models, "
            "and run them on edge devices. Works offline; with no CHECKPOINT the embedded "
            "all-MiniLM-L6-v2 is used."
        ),
    )
    parser.add_argument("--version", action="version", version=f"slm-edge {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks for unexpected errors"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SlmEdgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: no tracebacks for users
        if args.debug:
            traceback.print_exc()
        print(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in slm-edge; re-run with --debug and report the traceback.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
