"""Checks that a converted model uses only builtin TFLite ops (LiteRT has no Flex delegate)."""

from ai_edge_litert.interpreter import Interpreter

from slm_edge.errors import ConversionError


def op_names(tflite_model: bytes) -> list[str]:
    """Distinct operator names in ``tflite_model``, in first-use order."""
    interpreter = Interpreter(model_content=tflite_model)
    names = []
    for op in interpreter._get_ops_details():  # the only op listing LiteRT's Python API offers
        if op["op_name"] not in names:
            names.append(op["op_name"])
    return names


def check_builtin_ops(tflite_model: bytes, variant: str) -> list[str]:
    """The op list, or a ConversionError naming any Flex or custom op."""
    names = op_names(tflite_model)
    foreign = [name for name in names if name.startswith("Flex") or name == "CUSTOM"]
    if foreign:
        raise ConversionError(
            f"variant {variant}: the model needs ops LiteRT cannot run: {', '.join(foreign)}. "
            "Only builtin TFLite ops are allowed (no SELECT_TF_OPS)."
        )
    return names
