"""Classifies texts with MediaPipe Tasks' TextClassifier and prints the results as JSON.

Runs in the MediaPipe venv made by scripts/mediapipe_venv.sh, not in the main one:

    .venv-mediapipe/bin/python scripts/mediapipe_classify.py MODEL.tflite TEXT...

The model must carry its own metadata (converters/metadata.py). Prints a list with, per text,
``{"text", "categories": [{"index", "score", "category_name"}, ...]}``, categories in
MediaPipe's order (highest score first). Exits with 1 and a message if MediaPipe cannot load
the model.
"""

import argparse
import json
import sys


def classify(model_path: str, texts: list[str]) -> list[dict]:
    """MediaPipe's categories for each of ``texts``."""
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.text import TextClassifier, TextClassifierOptions

    options = TextClassifierOptions(base_options=BaseOptions(model_asset_path=model_path))
    results = []
    with TextClassifier.create_from_options(options) as classifier:
        for text in texts:
            (head,) = classifier.classify(text).classifications
            categories = [
                {"index": c.index, "score": c.score, "category_name": c.category_name}
                for c in head.categories
            ]
            results.append({"text": text, "categories": categories})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .tflite file with TextClassifier metadata")
    parser.add_argument("texts", nargs="+", metavar="TEXT")
    args = parser.parse_args(argv)
    try:
        results = classify(args.model, args.texts)
    except (OSError, RuntimeError, ValueError) as error:  # how MediaPipe reports failures
        print(f"error: MediaPipe cannot classify with {args.model}: {error}", file=sys.stderr)
        return 1
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
