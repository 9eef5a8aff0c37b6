"""Which int8 fake-quant costs accuracy: the QAT scheme with one group at a time left float.

    python benchmarks/qat_sensitivity.py --checkpoint runs/sst2 [--calibration 200]

For a fine-tuned checkpoint and the SST-2 dev set (``../shared/data/sst2``, never
copied into the repo), this builds the QAT model as the converter does (1×1
convolutions, equalized output channels, calibrated ranges) but with *no* QAT
training, and scores the Keras fake-quantized model on dev: once with the whole
scheme, once for each group below left float, once with per-tensor kernels, and
once without ``equalize_output_ranges``. The main measure is agreement with the
float model's predictions; accuracy on 872 texts moves half a point with a
handful of flips either way. What a group gives back when float is its cost.

Groups: ``kernels`` (every weight quantizer), and the int8 outputs of Q/K/V, the
attention core, the attention output projection, LayerNorms, the first FFN layer,
GELU, the second FFN layer, and the head (pooler/classifier).

Writes benchmarks/results/qat_sensitivity.json and .png.
"""

import argparse
import json
import os
import platform
import re
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SST2 = ROOT.parent / "shared" / "data" / "sst2"
RESULTS = ROOT / "benchmarks" / "results"

# Layer-name patterns of each group (names from slm_edge/models/transformer.py and heads).
GROUPS = {
    "Q/K/V outputs": r"_(query|key|value)$",
    "attention core output": r"_value_rescale$",
    "attention projection output": r"_attention_output$",
    "LayerNorm outputs": r"_norm$",
    "FFN-in outputs": r"_intermediate$",
    "GELU outputs": r"_activation$",
    "FFN-out outputs": r"^layer_\d+_output$",
    "head outputs": r"^(pooler|pre_classifier|classifier|classifier_dense)$",
}


def rule_without(group: str | None, per_tensor_kernels: bool = False):
    """The scheme's rule with ``group`` left float (``kernels``: no weight quantizers)."""
    import tf_keras as keras
    from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
        default_8bit_quantize_registry as registry,
    )

    import converters.qat as qat

    def config_for(layer):
        config = qat.scheme_config(layer)
        if not isinstance(layer, keras.layers.Dense | keras.layers.Conv2D):
            if group in GROUPS and re.search(GROUPS[group], layer.name):
                return qat.FloatQuantizeConfig()
            return config
        kernels = [] if group == "kernels" else ["kernel"]
        floated = group in GROUPS and re.search(GROUPS[group], layer.name)
        outputs = [] if floated or layer.name == qat.LOGITS_LAYER else ["activation"]
        per_channel = isinstance(layer, keras.layers.Conv2D) and not per_tensor_kernels
        kind = (
            registry.Default8BitConvQuantizeConfig
            if per_channel
            else registry.Default8BitQuantizeConfig
        )
        return kind(kernels, outputs, False)

    return config_for


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="a fine-tuned SST-2 checkpoint")
    parser.add_argument("--calibration", type=int, default=200, help="training texts for ranges")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import tensorflow as tf
    import tf_keras as keras

    from converters.pipeline import _keras_batches
    from converters.qat import calibrate_ranges, equalize_output_ranges, quantize_model
    from slm_edge.data import LabelMap, read_dataset
    from slm_edge.models import build_classifier, copy_weights, load_classifier
    from slm_edge.tokenization import TextTokenizer
    from slm_edge.training import predict_logits

    loaded = load_classifier(args.checkpoint)
    tokenizer = TextTokenizer(loaded.checkpoint_dir / "tokenizer.json", 128)
    dev = read_dataset(SST2 / "dev.tsv")
    train = read_dataset(SST2 / "train_full.tsv")
    labels = LabelMap(loaded.labels).encode(dev.labels, source=dev.source)
    conv = build_classifier(
        loaded.family, loaded.config, loaded.task, len(loaded.labels), conv_dense=True
    )
    copy_weights(loaded.model, conv)
    batches = list(_keras_batches(tokenizer, train.texts[: args.calibration], conv.input_names))
    unequalized = keras.models.clone_model(conv)
    unequalized.set_weights(conv.get_weights())
    equalize_output_ranges(conv, batches)

    def predictions(model) -> np.ndarray:
        return predict_logits(model, tokenizer, loaded.family.input_names, dev.texts).argmax(-1)

    reference = predictions(conv)
    float_accuracy = float(np.mean(reference == labels))
    print(f"{'Keras float':34s} accuracy {float_accuracy:.4f}", flush=True)

    runs = [("whole scheme", None, False, conv), ("per-tensor kernels", None, True, conv)]
    runs.append(("no output equalization", None, False, unequalized))
    runs += [(f"float {group}", group, False, conv) for group in ["kernels", *GROUPS]]
    rows = []
    for name, group, per_tensor, float_graph in runs:
        started = time.perf_counter()
        model = quantize_model(float_graph, rule_without(group, per_tensor))
        calibrate_ranges(model, float_graph, batches)
        predicted = predictions(model)
        agreement = float(np.mean(predicted == reference))
        accuracy = float(np.mean(predicted == labels))
        delta = 100 * (accuracy - float_accuracy)
        rows.append({"run": name, "agreement": agreement, "accuracy": accuracy, "delta_pt": delta})
        print(
            f"{name:34s} agreement {agreement:.4f}  accuracy {accuracy:.4f} ({delta:+.2f} pt)  "
            f"{time.perf_counter() - started:.0f}s",
            flush=True,
        )

    results = {
        "benchmark": "qat_sensitivity",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["python", *sys.argv]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "tensorflow": tf.__version__,
        "checkpoint": str(loaded.checkpoint_dir),
        "dev_texts": len(dev),
        "calibration_texts": args.calibration,
        "float_accuracy": float_accuracy,
        "runs": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "qat_sensitivity.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / "qat_sensitivity.png")
    print(f"wrote {RESULTS / 'qat_sensitivity.json'} and .png")


def plot(results: dict, path: Path) -> None:
    """Horizontal bars: how many dev predictions each run flips against float."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["runs"]
    figure, axes = plt.subplots(figsize=(7.5, 4.5))
    names = [row["run"] for row in rows]
    disagreement = [100 * (1 - row["agreement"]) for row in rows]
    colors = ["#4c72b0" if name.startswith("float") else "#dd8452" for name in names]
    axes.barh(names, disagreement, color=colors)
    axes.invert_yaxis()
    axes.set_xlabel("dev predictions that differ from Keras float (%), no QAT training")
    axes.set_title(f"QAT fake-quant sensitivity ({results['dev_texts']} dev texts)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    main()
