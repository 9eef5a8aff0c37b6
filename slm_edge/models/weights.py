"""One table, two directions: Hugging Face tensors into Keras layers, and back.

Each Keras layer maps to one HF module path; the layer's type says which tensors
that module holds (``weight``/``bias``) and how they are laid out.
"""

from dataclasses import dataclass, field

import numpy as np
import tf_keras as keras

from slm_edge.errors import CheckpointError
from slm_edge.models.config import EncoderConfig
from slm_edge.models.family import FamilySpec
from slm_edge.models.layers import PositionEmbedding

# Older checkpoints name LayerNorm parameters gamma/beta.
_LEGACY_SUFFIXES = {"weight": "gamma", "bias": "beta"}


@dataclass
class LoadReport:
    """What loading did with each tensor: nothing is ignored silently."""

    loaded: list[str] = field(default_factory=list)
    initialized: list[str] = field(default_factory=list)  # head layers the checkpoint lacked
    unused: list[str] = field(default_factory=list)  # tensors our model has no place for
    buffers: list[str] = field(default_factory=list)  # non-weights such as position_ids

    def summary(self) -> str:
        parts = [f"{len(self.loaded)} tensors loaded"]
        if self.initialized:
            parts.append(f"newly initialized: {', '.join(self.initialized)}")
        if self.unused:
            parts.append(f"unused tensors: {', '.join(self.unused)}")
        return "; ".join(parts)


def _layer_tensors(layer: keras.layers.Layer) -> list[tuple[str, bool]]:
    """The HF tensor suffixes a layer holds, in ``get_weights`` order, and whether to transpose."""
    if isinstance(layer, keras.layers.Dense):
        return [("weight", True), ("bias", False)]
    if isinstance(layer, keras.layers.LayerNormalization):
        return [("weight", False), ("bias", False)]
    if isinstance(layer, keras.layers.Embedding | PositionEmbedding):
        return [("weight", False)]
    raise TypeError(f"no weight mapping for layer type {type(layer).__name__}")


def full_name_map(
    family: FamilySpec, config: EncoderConfig, task: str, base_prefix: str
) -> dict[str, str]:
    """Keras layer name -> full HF module path, with ``base_prefix`` ('' or 'bert.')."""
    heads = family.head_names(task)
    names = {layer: base_prefix + path for layer, path in family.encoder_names(config).items()}
    names |= {layer: base_prefix + path for layer, path in heads.in_base.items()}
    names |= dict(heads.top_level)
    return names


def load_hf_weights(
    model: keras.Model,
    tensors: dict[str, np.ndarray],
    family: FamilySpec,
    config: EncoderConfig,
    task: str,
    source: str,
) -> LoadReport:
    """Copies every HF tensor into ``model``; each is consumed exactly once.

    A missing encoder tensor is an error; a missing head layer keeps its fresh
    initialisation and is reported; tensors with no place in the model are reported.
    """
    prefixed = any(name.startswith(family.base_prefix + ".") for name in tensors)
    base_prefix = family.base_prefix + "." if prefixed else ""
    head_layers = set(family.head_names(task).in_base) | set(family.head_names(task).top_level)
    remaining = dict(tensors)
    report = LoadReport()
    missing = []
    for layer_name, path in full_name_map(family, config, task, base_prefix).items():
        try:
            layer = model.get_layer(layer_name)
        except ValueError:
            continue  # e.g. no token-type table in a family without segments
        values = []
        for suffix, transpose in _layer_tensors(layer):
            key = f"{path}.{suffix}"
            if key not in remaining and f"{path}.{_LEGACY_SUFFIXES[suffix]}" in remaining:
                key = f"{path}.{_LEGACY_SUFFIXES[suffix]}"
            if key not in remaining:
                values = None
                missing.append(key)
                break
            values.append(remaining.pop(key).T if transpose else remaining.pop(key))
        if values is None:
            if layer_name in head_layers:
                report.initialized.append(path)
                missing.pop()
            continue
        expected = [w.shape for w in layer.get_weights()]
        if [v.shape for v in values] != expected:
            raise CheckpointError(
                f"{source}: tensor {path} has shape {[v.shape for v in values]}, "
                f"but the config implies {expected}; config.json and the weights disagree"
            )
        layer.set_weights(values)
        report.loaded.append(path)
    if missing:
        raise CheckpointError(
            f"{source}: missing tensors for a {family.name} encoder: {', '.join(missing[:8])}"
            + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        )
    for name in sorted(remaining):
        if name.endswith(family.buffer_suffixes):
            report.buffers.append(name)
        else:
            report.unused.append(name)
    return report


def export_hf_weights(
    model: keras.Model, family: FamilySpec, config: EncoderConfig, task: str
) -> dict[str, np.ndarray]:
    """The model's weights under the HF names of ``<Family>For<Task>``."""
    tensors = {}
    for layer_name, path in full_name_map(family, config, task, family.base_prefix + ".").items():
        try:
            layer = model.get_layer(layer_name)
        except ValueError:
            continue
        for (suffix, transpose), value in zip(
            _layer_tensors(layer), layer.get_weights(), strict=True
        ):
            tensors[f"{path}.{suffix}"] = np.ascontiguousarray(value.T if transpose else value)
    return tensors
