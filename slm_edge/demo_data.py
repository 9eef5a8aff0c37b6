"""The demo's own small labelled sentiment set, written from templates (no external data).

``python -m slm_edge.demo_data DIR`` writes ``DIR/train.tsv`` and ``DIR/dev.tsv``.
"""

import argparse
import itertools
import random
from pathlib import Path

SUBJECTS = [
    "the film",
    "this movie",
    "the acting",
    "the plot",
    "the soundtrack",
    "the ending",
    "the script",
    "the director's new picture",
    "this sequel",
    "the cast",
    "the story",
    "the cinematography",
]
POSITIVE = [
    "is a delight from start to finish",
    "is warm, funny and moving",
    "was wonderful",
    "kept me smiling the whole time",
    "is beautifully made",
    "is sharp and clever",
    "deserves every award it gets",
    "is a joy to watch",
    "left me deeply moved",
    "is the best thing I have seen this year",
    "feels fresh and inventive",
    "is charming and often affecting",
]
NEGATIVE = [
    "is a dull, lifeless mess",
    "was boring and far too long",
    "made no sense at all",
    "is painfully bad",
    "wasted two hours of my life",
    "is clumsy and forgettable",
    "falls flat every time",
    "is a tedious chore to sit through",
    "left me cold",
    "is the worst thing I have seen this year",
    "feels stale and lazy",
    "is bleak and empty",
]


def demo_examples(seed: int = 0) -> list[tuple[str, str]]:
    """All (text, label) pairs, shuffled deterministically."""
    examples = [
        (f"{subject} {predicate}", label)
        for label, predicates in (("positive", POSITIVE), ("negative", NEGATIVE))
        for subject, predicate in itertools.product(SUBJECTS, predicates)
    ]
    random.Random(seed).shuffle(examples)
    return examples


def write_demo_data(directory: Path, dev_fraction: float = 0.2) -> tuple[Path, Path]:
    """Writes train.tsv and dev.tsv (header ``text<TAB>label``) and returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    examples = demo_examples()
    cut = int(len(examples) * (1 - dev_fraction))
    paths = directory / "train.tsv", directory / "dev.tsv"
    for path, rows in zip(paths, (examples[:cut], examples[cut:]), strict=True):
        lines = ["text\tlabel", *(f"{text}\t{label}" for text, label in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    train, dev = write_demo_data(parser.parse_args().directory)
    print(f"wrote {train} and {dev}")


if __name__ == "__main__":
    main()
