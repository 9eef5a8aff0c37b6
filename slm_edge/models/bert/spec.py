"""BERT: config parsing, Hugging Face tensor names and task heads."""

import tf_keras as keras

from slm_edge.models.config import EncoderConfig
from slm_edge.models.family import (
    SEQUENCE_CLASSIFICATION,
    TOKEN_CLASSIFICATION,
    FamilySpec,
    HeadNames,
    NameMap,
)
from slm_edge.models.heads import LOGITS_LAYER, dense, first_token, token_classifier


def parse_config(config: dict) -> EncoderConfig:
    """Reads a BERT-style config.json (also used by RoBERTa)."""
    hidden_dropout = config.get("hidden_dropout_prob", 0.1)
    classifier_dropout = config.get("classifier_dropout")
    return EncoderConfig(
        vocab_size=config["vocab_size"],
        hidden_size=config["hidden_size"],
        num_layers=config["num_hidden_layers"],
        num_heads=config["num_attention_heads"],
        intermediate_size=config["intermediate_size"],
        hidden_act=config.get("hidden_act", "gelu"),
        max_positions=config.get("max_position_embeddings", 512),
        type_vocab_size=config.get("type_vocab_size", 2),
        layer_norm_eps=config.get("layer_norm_eps", 1e-12),
        pad_token_id=config.get("pad_token_id") or 0,
        hidden_dropout=hidden_dropout,
        attention_dropout=config.get("attention_probs_dropout_prob", 0.1),
        classifier_dropout=hidden_dropout if classifier_dropout is None else classifier_dropout,
    )


def encoder_names(config: EncoderConfig) -> NameMap:
    """Keras layer -> HF module path for the embeddings and blocks."""
    names = {
        "embeddings_word": "embeddings.word_embeddings",
        "embeddings_position": "embeddings.position_embeddings",
        "embeddings_token_type": "embeddings.token_type_embeddings",
        "embeddings_norm": "embeddings.LayerNorm",
    }
    for i in range(config.num_layers):
        hf = f"encoder.layer.{i}"
        names |= {
            f"layer_{i}_query": f"{hf}.attention.self.query",
            f"layer_{i}_key": f"{hf}.attention.self.key",
            f"layer_{i}_value": f"{hf}.attention.self.value",
            f"layer_{i}_attention_output": f"{hf}.attention.output.dense",
            f"layer_{i}_attention_norm": f"{hf}.attention.output.LayerNorm",
            f"layer_{i}_intermediate": f"{hf}.intermediate.dense",
            f"layer_{i}_output": f"{hf}.output.dense",
            f"layer_{i}_output_norm": f"{hf}.output.LayerNorm",
        }
    return names


def head_names(task: str) -> HeadNames:
    if task == SEQUENCE_CLASSIFICATION:
        return HeadNames(in_base={"pooler": "pooler.dense"}, top_level={"classifier": "classifier"})
    return HeadNames(in_base={}, top_level={"classifier": "classifier"})


def build_head(sequence_output, config: EncoderConfig, task: str, num_labels: int):
    """BertForSequenceClassification: tanh pooler on [CLS], dropout, classifier."""
    if task == TOKEN_CLASSIFICATION:
        return token_classifier(sequence_output, config, num_labels)
    pooled = dense(config.hidden_size, "pooler", activation="tanh")(first_token(sequence_output))
    pooled = keras.layers.Dropout(config.classifier_dropout, name="head_dropout")(pooled)
    return dense(num_labels, LOGITS_LAYER)(pooled)


BERT = FamilySpec(
    name="bert",
    model_types=("bert",),
    input_names=("input_ids", "attention_mask", "token_type_ids"),
    tokenizer_kind="wordpiece",
    base_prefix="bert",
    architectures={
        SEQUENCE_CLASSIFICATION: "BertForSequenceClassification",
        TOKEN_CLASSIFICATION: "BertForTokenClassification",
    },
    parse_config=parse_config,
    encoder_names=encoder_names,
    head_names=head_names,
    build_head=build_head,
)
