"""Encoder families as tf_keras functional models, built at random or from HF checkpoints."""

from slm_edge.models.builder import (
    LoadedModel,
    build_classifier,
    copy_weights,
    hidden_state_model,
    load_classifier,
    save_hf_checkpoint,
)
from slm_edge.models.family import SEQUENCE_CLASSIFICATION, TASKS, TOKEN_CLASSIFICATION, FamilySpec
from slm_edge.models.registry import FAMILIES, family_by_name, family_for_model_type

__all__ = [
    "FAMILIES",
    "SEQUENCE_CLASSIFICATION",
    "TASKS",
    "TOKEN_CLASSIFICATION",
    "FamilySpec",
    "LoadedModel",
    "build_classifier",
    "copy_weights",
    "family_by_name",
    "family_for_model_type",
    "hidden_state_model",
    "load_classifier",
    "save_hf_checkpoint",
]
