"""What the generic code needs to know about one encoder family.

Like an optimum export config, a family is a few declarations: which
``model_type`` values it covers, its inputs, how to read its config.json, how
its Hugging Face tensors are named, and how its task heads are built. The
builder, loader, converter and runtime never branch on a family's name.
"""

from collections.abc import Callable
from dataclasses import dataclass

from slm_edge.models.config import EncoderConfig

SEQUENCE_CLASSIFICATION = "sequence-classification"
TOKEN_CLASSIFICATION = "token-classification"
TASKS = (SEQUENCE_CLASSIFICATION, TOKEN_CLASSIFICATION)

# Keras layer name -> Hugging Face module path (without the family's base prefix).
NameMap = dict[str, str]


@dataclass(frozen=True)
class HeadNames:
    """Hugging Face names of a task head's layers.

    ``in_base`` layers live under the base model's prefix (BERT's pooler);
    ``top_level`` layers sit beside it (``classifier``).
    """

    in_base: NameMap
    top_level: NameMap


@dataclass(frozen=True)
class FamilySpec:
    """Declarations for one family (see the module docstring)."""

    name: str
    model_types: tuple[str, ...]
    input_names: tuple[str, ...]
    tokenizer_kind: str  # "wordpiece" or "bpe"
    base_prefix: str  # "bert" in "bert.embeddings.word_embeddings.weight"
    architectures: dict[str, str]  # task -> transformers class name
    parse_config: Callable[[dict], EncoderConfig]
    encoder_names: Callable[[EncoderConfig], NameMap]
    head_names: Callable[[str], HeadNames]
    build_head: Callable  # (sequence_output, EncoderConfig, task, num_labels) -> logits
    buffer_suffixes: tuple[str, ...] = ("position_ids", "token_type_ids")
