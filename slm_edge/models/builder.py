"""Building classifiers from a family spec, loading them from and saving them to HF checkpoints."""

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import tf_keras as keras

from slm_edge.checkpoint import read_config, read_tensors, resolve_checkpoint
from slm_edge.errors import CheckpointError, DataError
from slm_edge.models.config import EncoderConfig
from slm_edge.models.family import TASKS, FamilySpec
from slm_edge.models.registry import family_for_model_type
from slm_edge.models.transformer import encoder_graph, last_hidden_state_layer_name, make_inputs
from slm_edge.models.weights import LoadReport, export_hf_weights, load_hf_weights

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
)


def build_classifier(
    family: FamilySpec,
    config: EncoderConfig,
    task: str,
    num_labels: int,
    conv_dense: bool = False,
) -> keras.Model:
    """A randomly initialised flat functional model from named int32 inputs to logits.

    Flat (no nested models) so that tfmot's ``quantize_apply`` can wrap every layer.
    ``conv_dense`` builds the same model with every per-token Dense as a 1×1
    convolution, the form QAT export needs; layer names match, and
    :func:`copy_weights` moves weights between the two forms.

    Examples:
        >>> from slm_edge.models.bert import BERT
        >>> tiny = EncoderConfig(vocab_size=100, hidden_size=32, num_layers=2, num_heads=4,
        ...                      intermediate_size=64)
        >>> model = build_classifier(BERT, tiny, "sequence-classification", num_labels=2)
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    inputs = make_inputs(family.input_names)
    sequence_output = encoder_graph(inputs, config, conv_dense)
    logits = family.build_head(sequence_output, config, task, num_labels)
    return keras.Model(inputs=inputs, outputs=logits, name=f"{family.name}_{task.split('-')[0]}")


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Copies every layer's weights by name; kernels are reshaped to the target's form."""
    for layer in source.layers:
        if layer.weights:
            destination = target.get_layer(layer.name)
            destination.set_weights(
                [
                    array.reshape(variable.shape)
                    for array, variable in zip(
                        layer.get_weights(), destination.weights, strict=True
                    )
                ]
            )


def hidden_state_model(model: keras.Model, config: EncoderConfig) -> keras.Model:
    """A view of ``model`` that outputs the encoder's last hidden state (shares weights)."""
    output = model.get_layer(last_hidden_state_layer_name(config)).output
    return keras.Model(inputs=model.inputs, outputs=output)


@dataclass
class LoadedModel:
    """A Keras classifier together with everything needed to save or convert it."""

    model: keras.Model
    family: FamilySpec
    config: EncoderConfig
    hf_config: dict
    task: str
    labels: list[str]
    checkpoint_dir: Path
    report: LoadReport = field(default_factory=LoadReport)

    @property
    def has_trained_head(self) -> bool:
        """True when the head came from the checkpoint rather than fresh initialisation."""
        return not self.report.initialized


def _head_labels(hf_config: dict) -> list[str]:
    id2label = hf_config.get("id2label") or {}
    return [id2label[key] for key in sorted(id2label, key=int)]


def load_classifier(
    checkpoint: str | Path | None,
    task: str = "sequence-classification",
    labels: list[str] | None = None,
) -> LoadedModel:
    """Loads a local HF checkpoint (``None``: the embedded default) as a Keras classifier.

    A checkpoint that already has a task head keeps it and its ``id2label``;
    then ``labels``, if given, must be the same set. Without a head, ``labels``
    sizes a freshly initialised one.
    """
    directory = resolve_checkpoint(checkpoint)
    hf_config = read_config(directory)
    family = family_for_model_type(hf_config.get("model_type"), f"{directory / 'config.json'}")
    config = family.parse_config(hf_config)
    tensors = read_tensors(directory)
    head_tensor_names = {f"{path}.weight" for path in family.head_names(task).top_level.values()}
    checkpoint_has_head = head_tensor_names <= tensors.keys()
    head_labels = _head_labels(hf_config) if checkpoint_has_head else []
    if checkpoint_has_head and labels is not None and sorted(labels) != sorted(head_labels):
        raise DataError(
            f"{directory}: the checkpoint's head predicts {head_labels}, but the data has labels "
            f"{labels}. Use a checkpoint without a task head (a base model) to train new labels."
        )
    labels = head_labels or labels
    if not labels:
        raise CheckpointError(
            f"{directory}: the checkpoint has no {task} head; give training data so that a head "
            "with its labels can be trained (e.g. --train train.tsv)"
        )
    model = build_classifier(family, config, task, len(labels))
    report = load_hf_weights(model, tensors, family, config, task, str(directory))
    return LoadedModel(model, family, config, hf_config, task, list(labels), directory, report)


def save_hf_checkpoint(loaded: LoadedModel, output_dir: str | Path) -> Path:
    """Writes a checkpoint that transformers' ``AutoModelFor<Task>`` loads as is."""
    from safetensors.numpy import save_file

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    tensors = export_hf_weights(loaded.model, loaded.family, loaded.config, loaded.task)
    save_file(tensors, output_dir / "model.safetensors", metadata={"format": "pt"})
    hf_config = dict(loaded.hf_config)
    hf_config["architectures"] = [loaded.family.architectures[loaded.task]]
    hf_config["id2label"] = {str(i): label for i, label in enumerate(loaded.labels)}
    hf_config["label2id"] = {label: i for i, label in enumerate(loaded.labels)}
    hf_config.pop("num_labels", None)
    (output_dir / "config.json").write_text(json.dumps(hf_config, indent=2) + "\n")
    for name in TOKENIZER_FILES:
        source = loaded.checkpoint_dir / name
        if source.is_file() and source.resolve() != (output_dir / name).resolve():
            shutil.copy2(source, output_dir / name)
    return output_dir
