"""RoBERTa: BERT's names and config, its own position offset and head."""

import dataclasses

import tf_keras as keras

from slm_edge.models.bert import spec as bert
from slm_edge.models.config import EncoderConfig
from slm_edge.models.family import (
    SEQUENCE_CLASSIFICATION,
    TOKEN_CLASSIFICATION,
    FamilySpec,
    HeadNames,
)
from slm_edge.models.heads import LOGITS_LAYER, dense, first_token, token_classifier


def parse_config(config: dict) -> EncoderConfig:
    parsed = bert.parse_config(config)
    return dataclasses.replace(parsed, position_offset=parsed.pad_token_id)


def head_names(task: str) -> HeadNames:
    if task == SEQUENCE_CLASSIFICATION:
        return HeadNames(
            in_base={},
            top_level={"classifier_dense": "classifier.dense", "classifier": "classifier.out_proj"},
        )
    return HeadNames(in_base={}, top_level={"classifier": "classifier"})


def build_head(sequence_output, config: EncoderConfig, task: str, num_labels: int):
    """RobertaClassificationHead: dropout, dense-tanh, dropout, out_proj on <s>."""
    if task == TOKEN_CLASSIFICATION:
        return token_classifier(sequence_output, config, num_labels)
    x = keras.layers.Dropout(config.classifier_dropout, name="head_dropout")(
        first_token(sequence_output)
    )
    x = dense(config.hidden_size, "classifier_dense", activation="tanh")(x)
    x = keras.layers.Dropout(config.classifier_dropout, name="head_dropout_2")(x)
    return dense(num_labels, LOGITS_LAYER)(x)


ROBERTA = FamilySpec(
    name="roberta",
    model_types=("roberta", "xlm-roberta"),
    input_names=("input_ids", "attention_mask"),
    tokenizer_kind="bpe",
    base_prefix="roberta",
    architectures={
        SEQUENCE_CLASSIFICATION: "RobertaForSequenceClassification",
        TOKEN_CLASSIFICATION: "RobertaForTokenClassification",
    },
    parse_config=parse_config,
    encoder_names=bert.encoder_names,
    head_names=head_names,
    build_head=build_head,
)
