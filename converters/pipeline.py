"""``convert_checkpoint``: checkpoint → (fine-tune) → QAT → TFLite variants → validated bundle."""

import dataclasses
import json
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from converters.export import OUTPUT_NAME, QUANTIZATION, convert_to_tflite, inference_model
from converters.metadata import embed_classifier_metadata
from converters.report import choose_recommended, markdown_table
from converters.validate import VariantValidation, validate_variant
from slm_edge import __version__
from slm_edge.bundle import MODEL_FILE, VARIANTS, BundleManifest, write_manifest
from slm_edge.data import LabelMap, TextDataset, stratified_split, stratified_subset
from slm_edge.errors import CheckpointError, DataError, ValidationError
from slm_edge.models import LoadedModel, build_classifier, copy_weights, load_classifier
from slm_edge.tokenization import TextTokenizer
from slm_edge.training import fine_tune, length_bucketed_batches, predict_logits
from slm_edge.training_config import TrainConfig


@dataclass
class ConvertOptions:
    """What ``slm-edge convert`` does beyond fine-tuning.

    Args:
        variants: which variants to export (all by default).
        tolerance: largest accuracy drop (fraction) a variant may have against Keras float.
        sequence_lengths: length buckets the runtime pads requests to.
        calibration_size: training texts used to calibrate full_int8 and QAT ranges.
        qat_steps: QAT fine-tuning steps.
        qat_learning_rate: peak learning rate during QAT.
    """

    variants: tuple[str, ...] = VARIANTS
    tolerance: float = 0.01
    sequence_lengths: tuple[int, ...] = (16, 32, 64, 128)
    calibration_size: int = 200
    qat_steps: int = 300
    # Measured on SST-2 (docs/conversion.md): at 1e-5 QAT lowered agreement with float.
    qat_learning_rate: float = 3e-6


class StageTimer:
    """Prints each stage as it starts and ends, with its wall time."""

    def __init__(self):
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        print(f"▶ {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - started, 1)
        print(f"✔ {name} ({self.timings[name]:.1f}s)", file=sys.stderr, flush=True)


def _calibration_batches(
    tokenizer: TextTokenizer, texts: list[str], input_names, length: int
) -> list[dict[str, np.ndarray]]:
    """Training texts packed into full ``length``-token sequences, with no padding.

    One fixed length, because TFLite's calibrator cannot resize this graph per
    sample; no padding, because a padded key adds the -10000 mask penalty to the
    attention scores and would stretch that tensor's int8 range until every real
    score rounds to the same value.
    """
    batch = tokenizer.encode(texts)
    first, last = int(batch.input_ids[0, 0]), int(batch.input_ids[0, batch.lengths[0] - 1])
    rows = zip(batch.input_ids, batch.lengths, strict=True)
    stream = np.concatenate([row[1 : n - 1] for row, n in rows])
    body = length - 2
    samples = []
    for start in range(0, max(1, len(stream) - body + 1), body):
        ids = np.concatenate([[first], stream[start : start + body], [last]]).astype(np.int32)
        ids = np.pad(ids, (0, length - len(ids)), constant_values=tokenizer.pad_id)[None, :]
        inputs = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids),
        }
        samples.append({name: inputs[name] for name in input_names})
    return samples


def _keras_batches(tokenizer, texts, input_names, batch_size=16):
    lengths = tokenizer.token_lengths(texts)
    for indices in length_bucketed_batches(lengths, batch_size, rng=None):
        yield tokenizer.encode([texts[i] for i in indices]).as_inputs(input_names)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def _quantization_aware_copy(
    loaded: LoadedModel,
    tokenizer: TextTokenizer,
    train: TextDataset,
    dev: TextDataset,
    options: ConvertOptions,
    train_config: TrainConfig,
) -> LoadedModel:
    from converters.qat import calibrate_ranges, equalize_output_ranges, quantize_model

    # The same model with per-token Dense layers as 1×1 convolutions, whose kernels
    # tfmot quantizes per channel and the converter turns into int8 CONV_2D ops.
    conv = build_classifier(
        loaded.family, loaded.config, loaded.task, len(loaded.labels), conv_dense=True
    )
    copy_weights(loaded.model, conv)
    batches = list(
        _keras_batches(tokenizer, train.texts[: options.calibration_size], conv.input_names)
    )
    equalize_output_ranges(conv, batches)
    qat_model = quantize_model(conv)
    calibrate_ranges(qat_model, conv, batches)
    qat = dataclasses.replace(loaded, model=qat_model)
    examples = options.qat_steps * train_config.batch_size
    subset = stratified_subset(train, examples, train_config.seed)
    # Small data sets are repeated so that QAT runs for about ``qat_steps`` steps.
    epochs = max(1, round(examples / len(subset)))
    config = dataclasses.replace(
        train_config,
        epochs=epochs,
        learning_rate=options.qat_learning_rate,
        warmup_ratio=0.0,
        evaluations_per_epoch=1,
        patience=epochs,
    )
    # Distillation: QAT learns the float model's probabilities rather than the labels,
    # so it recovers what quantization changed instead of drifting with more training.
    teacher = _softmax(
        predict_logits(loaded.model, tokenizer, loaded.family.input_names, subset.texts)
    )
    fine_tune(qat, tokenizer, subset, dev, config, teacher_probabilities=teacher)
    return qat


def convert_checkpoint(
    checkpoint: str | Path | None,
    staging: Path,
    train: TextDataset | None,
    dev: TextDataset | None,
    options: ConvertOptions,
    train_config: TrainConfig,
) -> tuple[BundleManifest, list[VariantValidation]]:
    """Runs every stage and writes the bundle into ``staging``.

    Raises ValidationError after writing the bundle when a variant falls below
    the tolerance, so the report is kept for inspection.
    """
    timer = StageTimer()
    with timer.stage("load checkpoint"):
        labels = LabelMap.from_labels(train.labels).names if train is not None else None
        loaded = load_classifier(checkpoint, labels=labels)
        print(
            f"  {loaded.checkpoint_dir} ({loaded.family.name}): {loaded.report.summary()}",
            file=sys.stderr,
        )
    if dev is None:
        if train is None:
            raise DataError(
                "validation needs real labelled data: pass --dev dev.tsv (or --train, from "
                "which a dev split is held out)"
            )
        train, dev = stratified_split(train, 0.1, seed=train_config.seed)
    max_length = min(train_config.max_length, loaded.config.max_sequence_length)
    train_config = dataclasses.replace(train_config, max_length=max_length)
    options = dataclasses.replace(
        options,
        sequence_lengths=tuple(
            sorted({min(n, max_length) for n in options.sequence_lengths} | {max_length})
        ),
    )
    tokenizer = TextTokenizer(loaded.checkpoint_dir / "tokenizer.json", max_length)
    if not loaded.has_trained_head:
        if train is None:
            raise CheckpointError(
                f"{loaded.checkpoint_dir}: no trained classification head; pass --train so that "
                "it is fine-tuned before conversion"
            )
        with timer.stage("fine-tune"):
            fine_tune(loaded, tokenizer, train, dev, train_config)
    calibration_texts = (train or dev).texts[: options.calibration_size]

    with timer.stage("reference: Keras float on dev"):
        y_true = LabelMap(loaded.labels).encode(dev.labels, source=dev.source)
        reference = _softmax(
            predict_logits(loaded.model, tokenizer, loaded.family.input_names, dev.texts)
        )
        reference_accuracy = float(np.mean(reference.argmax(-1) == y_true))

    flatbuffers: dict[str, bytes] = {}
    float_model = inference_model(loaded.model)
    for variant in [v for v in options.variants if v != "qat_int8"]:
        with timer.stage(f"export {variant}"):
            flatbuffers[variant] = convert_to_tflite(
                float_model,
                variant,
                lambda: _calibration_batches(
                    tokenizer, calibration_texts, loaded.model.input_names, max_length
                ),
            )
    if "qat_int8" in options.variants:
        if train is None:
            print("  skipping qat_int8: QAT needs --train data", file=sys.stderr)
        else:
            with timer.stage("quantization-aware training"):
                qat = _quantization_aware_copy(loaded, tokenizer, train, dev, options, train_config)
            with timer.stage("export qat_int8"):
                flatbuffers["qat_int8"] = convert_to_tflite(inference_model(qat.model), "qat_int8")

    input_order = _model_input_order(
        flatbuffers["float32" if "float32" in flatbuffers else next(iter(flatbuffers))],
        loaded.family.input_names,
    )
    vocab = _vocab_file(loaded)
    with timer.stage("embed metadata"):
        for variant, flatbuffer in flatbuffers.items():
            (staging / f"model-{variant}.tflite").write_bytes(
                _with_metadata(flatbuffer, loaded, vocab, input_order)
            )
    results = []
    for variant in flatbuffers:
        with timer.stage(f"validate {variant} on {len(dev)} dev texts"):
            result = validate_variant(
                variant,
                staging / f"model-{variant}.tflite",
                loaded.checkpoint_dir / "tokenizer.json",
                dev.texts,
                y_true,
                loaded.labels,
                reference,
                list(options.sequence_lengths),
                max_length,
            )
            result.passed = result.accuracy >= reference_accuracy - options.tolerance
            results.append(result)
    recommended, reason = choose_recommended(results, reference_accuracy, options.tolerance)

    with timer.stage("write bundle"):
        manifest = _write_bundle(
            staging,
            loaded,
            tokenizer,
            vocab,
            results,
            recommended,
            reason,
            input_order,
            calibration_texts,
            options,
            max_length,
        )
        table = markdown_table(results, recommended, reference_accuracy)
        (staging / "report.md").write_text(
            f"# Validation report\n\nKeras float dev accuracy: {reference_accuracy:.4f} on "
            f"{len(dev)} texts ({dev.source}).\n\n{table}\nRecommended: {reason}\n"
        )
        (staging / "report.json").write_text(
            json.dumps(
                {
                    "reference_accuracy": reference_accuracy,
                    "dev_source": dev.source,
                    "dev_examples": len(dev),
                    "tolerance": options.tolerance,
                    "recommended": recommended,
                    "reason": reason,
                    "stage_seconds": timer.timings,
                    "variants": [dataclasses.asdict(r) for r in results],
                },
                indent=2,
            )
            + "\n"
        )
        write_manifest(staging, manifest)
    print(table)
    print(f"Recommended: {reason}")
    failed = [r.variant for r in results if not r.passed]
    if failed:
        raise ValidationError(
            f"variants below tolerance ({options.tolerance * 100:.1f} points under Keras float "
            f"{reference_accuracy:.4f}): {', '.join(failed)}; the bundle and report.md are kept"
        )
    return manifest, results


def _model_input_order(flatbuffer: bytes, input_names: tuple[str, ...]) -> list[str]:
    """Our input names in the order the converted model declares its input tensors."""
    from ai_edge_litert.interpreter import Interpreter

    details = Interpreter(model_content=flatbuffer).get_input_details()
    return [next(n for n in input_names if n in d["name"]) for d in details]


def _calibration_hash(texts: list[str]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def _write_bundle(
    staging: Path,
    loaded: LoadedModel,
    tokenizer: TextTokenizer,
    vocab: Path | None,
    results: list[VariantValidation],
    recommended: str,
    reason: str,
    input_order: list[str],
    calibration_texts: list[str],
    options: ConvertOptions,
    max_length: int,
) -> BundleManifest:
    shutil.copy2(staging / f"model-{recommended}.tflite", staging / MODEL_FILE)
    shutil.copy2(loaded.checkpoint_dir / "tokenizer.json", staging / "tokenizer.json")
    if vocab is not None:
        shutil.copy2(vocab, staging / "vocab.txt")
    (staging / "labels.txt").write_text("\n".join(loaded.labels) + "\n", encoding="utf-8")
    by_name = {r.variant: r for r in results}
    return BundleManifest(
        family=loaded.family.name,
        task=loaded.task,
        labels=list(loaded.labels),
        max_length=max_length,
        tokenizer={
            "file": "tokenizer.json",
            "kind": _tokenizer_kind(loaded.checkpoint_dir / "tokenizer.json"),
            "lowercase": tokenizer.lowercase,
            "pad_id": tokenizer.pad_id,
            "vocab_file": "vocab.txt" if vocab is not None else None,
        },
        inputs=[{"name": name, "dtype": "int32", "shape": [1, -1]} for name in input_order],
        output={"name": OUTPUT_NAME, "dtype": "float32", "shape": [1, len(loaded.labels)]},
        sequence_lengths=list(options.sequence_lengths),
        recommended=recommended,
        recommendation_reason=reason,
        variants={
            variant: {
                "file": f"model-{variant}.tflite",
                "quantization": QUANTIZATION[variant],
                "size_bytes": (staging / f"model-{variant}.tflite").stat().st_size,
                "metrics": by_name[variant].metrics(),
                "latency_ms": {
                    "p50_128": round(by_name[variant].p50_ms_128, 3),
                    "p50_dev": round(by_name[variant].p50_ms_dev, 3),
                },
            }
            for variant in by_name
        },
        calibration={
            "sha256": _calibration_hash(calibration_texts),
            "num_examples": len(calibration_texts),
        },
        tool={"name": "slm-edge", "version": __version__},
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        source_checkpoint=str(loaded.checkpoint_dir),
    )


def _vocab_file(loaded: LoadedModel) -> Path | None:
    """The WordPiece vocab to embed for MediaPipe, if the checkpoint has one."""
    vocab = loaded.checkpoint_dir / "vocab.txt"
    kind = _tokenizer_kind(loaded.checkpoint_dir / "tokenizer.json")
    return vocab if kind == "wordpiece" and vocab.is_file() else None


def _tokenizer_kind(path: Path) -> str:
    model_type = json.loads(path.read_text(encoding="utf-8"))["model"]["type"]
    return {"WordPiece": "wordpiece", "BPE": "bpe"}.get(model_type, model_type.lower())


def _with_metadata(flatbuffer: bytes, loaded: LoadedModel, vocab: Path | None, input_order):
    return embed_classifier_metadata(
        flatbuffer,
        labels=list(loaded.labels),
        vocab_path=vocab,
        input_order=list(input_order),
        name=f"slm-edge {loaded.family.name} text classifier",
        description=f"{loaded.family.name} {loaded.task} converted by slm-edge {__version__}",
        version=__version__,
    )
