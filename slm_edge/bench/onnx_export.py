"""The ONNX Runtime baseline, made with the standard tools from the same checkpoint.

transformers' ``AutoModelForSequenceClassification`` goes through ``torch.onnx.export``
(TorchScript exporter, dynamic batch and sequence axes), then ONNX Runtime's
``quant_pre_process`` and ``quantize_dynamic`` (int8 weights, dynamic int8 activations).
"""

import logging
import warnings
from pathlib import Path

# Inputs in the order transformers' encoders declare them in ``forward``.
FORWARD_ORDER = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def export_onnx_models(
    checkpoint: Path, input_names: list[str], directory: Path
) -> dict[str, Path]:
    """``{"float32": path, "dynamic_int8": path}`` for ``checkpoint``, written to ``directory``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        checkpoint,
        attn_implementation="eager",  # SDPA has no TorchScript-exportable kernel
    ).eval()
    names = [name for name in FORWARD_ORDER if name in input_names]
    example = {name: torch.ones((1, 8), dtype=torch.long) for name in names}
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {"logits": {0: "batch"}}
    paths = {
        "float32": directory / "model-float32.onnx",
        "dynamic_int8": directory / "model-dynamic_int8.onnx",
    }
    preprocessed = directory / "model-float32-preprocessed.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        # Tracer warnings about Python control flow; the bench reports each engine's
        # probability difference from the reference, which would show a bad export.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (),
            str(paths["float32"]),
            kwargs=example,
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    quantization_logger = logging.getLogger()  # ORT's quantizer warns on the root logger
    level = quantization_logger.level
    quantization_logger.setLevel(logging.ERROR)
    try:
        # Symbolic shape inference fails on these graphs; ONNX's own inference suffices.
        quant_pre_process(str(paths["float32"]), str(preprocessed), skip_symbolic_shape=True)
        quantize_dynamic(str(preprocessed), str(paths["dynamic_int8"]), weight_type=QuantType.QInt8)
    finally:
        quantization_logger.setLevel(level)
    return paths
