"""Fine-tuning a Keras classifier on labelled text, on a CPU.

AdamW with decoupled weight decay, linear warm-up then linear decay, batches of
similar length padded only to their own longest text, early stopping on the dev
metric, and the best weights kept.
"""

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras
from tqdm.auto import tqdm

from slm_edge.data import LabelMap, TextDataset
from slm_edge.evaluation import ClassificationReport, evaluate_predictions
from slm_edge.models import LoadedModel
from slm_edge.tokenization import TextTokenizer
from slm_edge.training_config import TrainConfig

PAD_MULTIPLE = 8  # batch widths are rounded up to this to bound the number of traced shapes


class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """0 → peak over ``warmup_steps``, then linearly back to 0 at ``total_steps``."""

    def __init__(self, peak: float, warmup_steps: int, total_steps: int):
        self.peak = peak
        self.warmup_steps = max(1, warmup_steps)
        self.total_steps = max(total_steps, self.warmup_steps + 1)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warmup = step / self.warmup_steps
        decay = (self.total_steps - step) / (self.total_steps - self.warmup_steps)
        return self.peak * tf.maximum(0.0, tf.minimum(warmup, decay))

    def get_config(self):
        return {
            "peak": self.peak,
            "warmup_steps": self.warmup_steps,
            "total_steps": self.total_steps,
        }


def length_bucketed_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None
) -> list[np.ndarray]:
    """Index batches of similar-length texts; shuffled when ``rng`` is given.

    Texts are shuffled, grouped in chunks of 50 batches, sorted by length within
    a chunk and cut into batches, so padding stays small but order stays random.
    """
    order = rng.permutation(len(lengths)) if rng is not None else np.arange(len(lengths))
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    if rng is not None:
        rng.shuffle(batches)
    return batches


def _padded_width(batch_lengths: np.ndarray) -> int:
    return int(math.ceil(batch_lengths.max() / PAD_MULTIPLE) * PAD_MULTIPLE)


def predict_logits(
    model: keras.Model,
    tokenizer: TextTokenizer,
    input_names: tuple[str, ...],
    texts: list[str],
    batch_size: int = 64,
) -> np.ndarray:
    """Logits for ``texts``, batched by length, in the original order."""
    lengths = tokenizer.token_lengths(texts)
    predict = _compiled_forward(model)
    logits = None
    for indices in length_bucketed_batches(lengths, batch_size, rng=None):
        batch = tokenizer.encode(
            [texts[i] for i in indices], pad_to=_padded_width(lengths[indices])
        )
        out = predict(batch.as_inputs(input_names)).numpy()
        if logits is None:
            logits = np.zeros((len(texts), *out.shape[1:]), dtype=np.float32)
        logits[indices] = out
    return logits


def _compiled_forward(model: keras.Model):
    signature = [{name: tf.TensorSpec([None, None], tf.int32, name) for name in model.input_names}]
    return tf.function(lambda inputs: model(inputs, training=False), input_signature=signature)


def evaluate_model(
    loaded: LoadedModel, tokenizer: TextTokenizer, dataset: TextDataset
) -> ClassificationReport:
    """Scores ``loaded`` on ``dataset`` (labels must be among the model's)."""
    label_map = LabelMap(loaded.labels)
    y_true = label_map.encode(dataset.labels, source=dataset.source)
    logits = predict_logits(loaded.model, tokenizer, loaded.family.input_names, dataset.texts)
    return evaluate_predictions(y_true, logits.argmax(-1), loaded.labels)


@dataclass
class TrainResult:
    """What fine-tuning produced."""

    best_report: ClassificationReport
    best_step: int
    steps: int
    seconds: float
    history: list[dict]


def fine_tune(
    loaded: LoadedModel,
    tokenizer: TextTokenizer,
    train: TextDataset,
    dev: TextDataset,
    config: TrainConfig,
    teacher_probabilities: np.ndarray | None = None,
) -> TrainResult:
    """Fine-tunes ``loaded.model`` in place and leaves it holding the best dev weights.

    With ``teacher_probabilities`` (one row per training text) the model learns to
    match them (distillation) instead of the labels, which are then only reported.
    """
    tf.keras.utils.set_random_seed(config.seed)
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    label_map = LabelMap(loaded.labels)
    train_labels = label_map.encode(train.labels, source=train.source)
    if teacher_probabilities is None:
        targets = np.eye(len(loaded.labels), dtype=np.float32)[train_labels]
    else:
        targets = np.asarray(teacher_probabilities, dtype=np.float32)
        if targets.shape != (len(train), len(loaded.labels)):
            raise ValueError(
                f"teacher_probabilities has shape {targets.shape}; expected "
                f"{(len(train), len(loaded.labels))} (texts, labels)"
            )
    lengths = tokenizer.token_lengths(train.texts)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    evaluations = max(1, min(config.evaluations_per_epoch, steps_per_epoch))
    # Evenly spaced in each epoch, the last one on the epoch's final step.
    eval_steps = {
        epoch * steps_per_epoch + round(k * steps_per_epoch / evaluations)
        for epoch in range(config.epochs)
        for k in range(1, evaluations + 1)
    }

    schedule = WarmupLinearDecay(
        config.learning_rate, int(total_steps * config.warmup_ratio), total_steps
    )
    optimizer = keras.optimizers.AdamW(
        learning_rate=schedule, weight_decay=config.weight_decay, epsilon=1e-6, clipnorm=1.0
    )
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    model = loaded.model
    loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
    signature = [
        {name: tf.TensorSpec([None, None], tf.int32, name) for name in model.input_names},
        tf.TensorSpec([None], tf.int32),
        tf.TensorSpec([None, len(loaded.labels)], tf.float32),
    ]

    @tf.function(input_signature=signature)
    def train_step(inputs, labels, targets):
        with tf.GradientTape() as tape:
            logits = model(inputs, training=True)
            loss = loss_fn(targets, logits)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        correct = tf.reduce_mean(
            tf.cast(tf.equal(tf.argmax(logits, -1, tf.int32), labels), tf.float32)
        )
        return loss, correct

    best_score, best_step, best_weights, best_report = -1.0, 0, None, None
    history: list[dict] = []
    evaluations_since_best, step, started = 0, 0, time.perf_counter()
    progress = tqdm(total=total_steps, desc="fine-tuning", unit="step", dynamic_ncols=True)
    running_loss, running_acc = 0.0, 0.0
    stop = False
    for epoch in range(config.epochs):
        for indices in length_bucketed_batches(lengths, config.batch_size, rng):
            batch = tokenizer.encode(
                [train.texts[i] for i in indices], pad_to=_padded_width(lengths[indices])
            )
            loss, correct = train_step(
                batch.as_inputs(model.input_names), train_labels[indices], targets[indices]
            )
            step += 1
            running_loss = 0.98 * running_loss + 0.02 * float(loss) if step > 1 else float(loss)
            running_acc = 0.98 * running_acc + 0.02 * float(correct) if step > 1 else float(correct)
            progress.update(1)
            progress.set_postfix(
                epoch=epoch + 1, loss=f"{running_loss:.4f}", acc=f"{running_acc:.3f}"
            )
            if step not in eval_steps:
                continue
            report = evaluate_model(loaded, tokenizer, dev)
            score = getattr(report, config.metric)
            history.append(
                {
                    "step": step,
                    "epoch": epoch + 1,
                    "train_loss": running_loss,
                    "dev_accuracy": report.accuracy,
                    "dev_macro_f1": report.macro_f1,
                    "seconds": round(time.perf_counter() - started, 1),
                }
            )
            progress.write(
                f"step {step}: dev accuracy {report.accuracy:.4f}, macro-F1 {report.macro_f1:.4f}"
            )
            if score >= best_score:  # on a tie keep the later, better-fitted weights
                evaluations_since_best = 0 if score > best_score else evaluations_since_best + 1
                best_score, best_step, best_report = score, step, report
                best_weights = model.get_weights()
            else:
                evaluations_since_best += 1
            if evaluations_since_best >= config.patience:
                progress.write(f"early stop: no dev improvement in {config.patience} evaluations")
                stop = True
                break
        if stop:
            break
    progress.close()
    model.set_weights(best_weights)
    return TrainResult(best_report, best_step, step, time.perf_counter() - started, history)


def write_training_summary(result: TrainResult, config: TrainConfig, path: Path) -> None:
    """Records hyper-parameters, the best dev scores and the evaluation history as JSON."""
    summary = {
        "config": asdict(config),
        "best_step": result.best_step,
        "steps": result.steps,
        "seconds": round(result.seconds, 1),
        "best_dev": result.best_report.to_dict(),
        "history": result.history,
    }
    path.write_text(json.dumps(summary, indent=2) + "\n")
