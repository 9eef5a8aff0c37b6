"""DistilBERT: its config keys, tensor names and head."""

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
    return EncoderConfig(
        vocab_size=config["vocab_size"],
        hidden_size=config["dim"],
        num_layers=config["n_layers"],
        num_heads=config["n_heads"],
        intermediate_size=config["hidden_dim"],
        hidden_act=config.get("activation", "gelu"),
        max_positions=config.get("max_position_embeddings", 512),
        type_vocab_size=0,
        layer_norm_eps=1e-12,
        pad_token_id=config.get("pad_token_id") or 0,
        hidden_dropout=config.get("dropout", 0.1),
        attention_dropout=config.get("attention_dropout", 0.1),
        classifier_dropout=config.get("seq_classif_dropout", 0.2),
    )


def encoder_names(config: EncoderConfig) -> NameMap:
    names = {
        "embeddings_word": "embeddings.word_embeddings",
        "embeddings_position": "embeddings.position_embeddings",
        "embeddings_norm": "embeddings.LayerNorm",
    }
    for i in range(config.num_layers):
        hf = f"transformer.layer.{i}"
        names |= {
            f"layer_{i}_query": f"{hf}.attention.q_lin",
            f"layer_{i}_key": f"{hf}.attention.k_lin",
            f"layer_{i}_value": f"{hf}.attention.v_lin",
            f"layer_{i}_attention_output": f"{hf}.attention.out_lin",
            f"layer_{i}_attention_norm": f"{hf}.sa_layer_norm",
            f"layer_{i}_intermediate": f"{hf}.ffn.lin1",
            f"layer_{i}_output": f"{hf}.ffn.lin2",
            f"layer_{i}_output_norm": f"{hf}.output_layer_norm",
        }
    return names


def head_names(task: str) -> HeadNames:
    if task == SEQUENCE_CLASSIFICATION:
        return HeadNames(
            in_base={}, top_level={"pre_classifier": "pre_classifier", "classifier": "classifier"}
        )
    return HeadNames(in_base={}, top_level={"classifier": "classifier"})


def build_head(sequence_output, config: EncoderConfig, task: str, num_labels: int):
    """DistilBertForSequenceClassification: pre_classifier (ReLU), dropout, classifier."""
    if task == TOKEN_CLASSIFICATION:
        return token_classifier(sequence_output, config, num_labels)
    x = dense(config.hidden_size, "pre_classifier", activation="relu")(first_token(sequence_output))
    x = keras.layers.Dropout(config.classifier_dropout, name="head_dropout")(x)
    return dense(num_labels, LOGITS_LAYER)(x)


DISTILBERT = FamilySpec(
    name="distilbert",
    model_types=("distilbert",),
    input_names=("input_ids", "attention_mask"),
    tokenizer_kind="wordpiece",
    base_prefix="distilbert",
    architectures={
        SEQUENCE_CLASSIFICATION: "DistilBertForSequenceClassification",
        TOKEN_CLASSIFICATION: "DistilBertForTokenClassification",
    },
    parse_config=parse_config,
    encoder_names=encoder_names,
    head_names=head_names,
    build_head=build_head,
)
