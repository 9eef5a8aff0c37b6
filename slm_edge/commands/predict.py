"""``slm-edge predict``: classify texts with a checkpoint or a converted bundle."""

import argparse
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="classify texts with a fine-tuned checkpoint or a converted bundle",
        description=(
            "Classify texts given as arguments (or one per line on stdin with '-'). A bundle "
            "directory (with manifest.json) runs on LiteRT without TensorFlow; a Hugging Face "
            "checkpoint runs in Keras."
        ),
    )
    parser.add_argument("model", help="bundle directory or fine-tuned HF checkpoint directory")
    parser.add_argument("texts", nargs="+", help="texts to classify, or '-' to read stdin")
    parser.add_argument("--top-k", type=int, default=1, help="labels to show per text")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, help="interpreter threads (bundles only)")
    parser.set_defaults(handler=run)


def _texts(args: argparse.Namespace) -> list[str]:
    if args.texts == ["-"]:
        return [line.rstrip("\n") for line in sys.stdin if line.strip()]
    return args.texts


def _keras_predictions(model_dir: str, texts: list[str], max_length: int) -> list[dict]:
    import numpy as np

    from slm_edge.models import load_classifier
    from slm_edge.tokenization import TextTokenizer
    from slm_edge.training import predict_logits

    loaded = load_classifier(model_dir)
    tokenizer = TextTokenizer(loaded.checkpoint_dir / "tokenizer.json", max_length)
    logits = predict_logits(loaded.model, tokenizer, loaded.family.input_names, texts)
    probabilities = np.exp(logits - logits.max(-1, keepdims=True))
    probabilities /= probabilities.sum(-1, keepdims=True)
    truncated = tokenizer.encode(texts).truncated
    return [
        {
            "text": text,
            "scores": dict(zip(loaded.labels, map(float, row), strict=True)),
            "truncated": bool(cut),
        }
        for text, row, cut in zip(texts, probabilities, truncated, strict=True)
    ]


def _bundle_predictions(bundle: str, texts: list[str], threads: int | None) -> list[dict]:
    from slm_edge.runtime import TextClassifier

    classifier = TextClassifier.from_bundle(bundle, num_threads=threads)
    return [
        {"text": text, "scores": prediction.scores, "truncated": prediction.truncated}
        for text, prediction in zip(texts, classifier.classify(texts), strict=True)
    ]


def run(args: argparse.Namespace) -> int:
    texts = _texts(args)
    if (Path(args.model) / "manifest.json").is_file():
        results = _bundle_predictions(args.model, texts, args.threads)
    else:
        results = _keras_predictions(args.model, texts, args.max_length)
    for result in results:
        ranked = sorted(result["scores"].items(), key=lambda item: -item[1])[: args.top_k]
        result["label"], result["score"] = ranked[0]
        result["top_k"] = [{"label": label, "score": score} for label, score in ranked]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    for result in results:
        labels = ", ".join(f"{item['label']} {item['score']:.3f}" for item in result["top_k"])
        flag = "  [truncated]" if result["truncated"] else ""
        print(f"{labels}\t{result['text']}{flag}")
    return 0
