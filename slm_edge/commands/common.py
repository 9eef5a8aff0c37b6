"""Arguments and helpers that several commands share."""

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from slm_edge.errors import SlmEdgeError


def add_data_columns(parser: argparse.ArgumentParser) -> None:
    """--text-column / --label-column / --no-header for data files."""
    group = parser.add_argument_group("data columns (default: detected from the header)")
    group.add_argument("--text-column", help="header name or 0-based index of the text column")
    group.add_argument("--label-column", help="header name or 0-based index of the label column")
    group.add_argument(
        "--no-header", action="store_true", help="the first row is data, not a header"
    )


def column(value: str | None) -> str | int | None:
    """A column given on the command line: an index when it is a number."""
    return int(value) if value is not None and value.isdigit() else value


def read_data(path: str, args: argparse.Namespace, split: str = "train"):
    """Reads a labelled data file with the column options of ``args``."""
    from slm_edge.data import read_dataset

    return read_dataset(
        path,
        text_column=column(args.text_column),
        label_column=column(args.label_column),
        has_header=False if args.no_header else None,
        split=split,
    )


@contextmanager
def atomic_output_dir(target: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yields a temporary directory that replaces ``target`` only if the block succeeds.

    A failure leaves no half-written directory that looks complete, and an
    existing ``target`` is never touched unless ``overwrite`` is set.
    """
    target = Path(target)
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise SlmEdgeError(
            f"{target}: output directory exists and is not empty; choose another -o or pass "
            "--overwrite"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
