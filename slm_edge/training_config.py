"""Fine-tuning hyper-parameters (no TensorFlow, so the CLI can build its parser anywhere)."""

from dataclasses import dataclass


@dataclass
class TrainConfig:
    """Fine-tuning hyper-parameters.

    Args:
        epochs: passes over the training data.
        batch_size: texts per step.
        learning_rate: peak learning rate after warm-up.
        weight_decay: decoupled (AdamW) decay; not applied to biases and LayerNorm.
        warmup_ratio: fraction of steps spent warming up linearly from 0.
        max_length: longest sequence in tokens; longer texts are truncated.
        patience: evaluations without improvement before stopping early.
        evaluations_per_epoch: how often the dev set is scored.
        metric: ``accuracy`` or ``macro_f1``, the early-stopping criterion.
        seed: seeds shuffling, dropout and head initialisation.
    """

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_length: int = 128
    patience: int = 3
    evaluations_per_epoch: int = 2
    metric: str = "accuracy"
    seed: int = 0
