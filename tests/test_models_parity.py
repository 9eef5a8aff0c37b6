"""Our Keras encoders against transformers' PyTorch reference, number for number."""

import numpy as np
import pytest
import torch
import transformers as tr

from slm_edge.models import hidden_state_model, load_classifier, save_hf_checkpoint
from slm_edge.models.family import TOKEN_CLASSIFICATION
from tests.conftest import make_tiny_checkpoint

TOLERANCE = 1e-4


def _random_batch(family: str, seq_len: int, vocab_size: int, pad_id: int, seed: int = 0):
    """A batch of three rows of different real lengths, right-padded to ``seq_len``."""
    rng = np.random.default_rng(seed)
    lengths = [seq_len, max(2, seq_len // 2), 2]
    ids = np.full((3, seq_len), pad_id, dtype=np.int32)
    for row, length in enumerate(lengths):
        ids[row, :length] = rng.integers(5, vocab_size, size=length)
    mask = (np.arange(seq_len)[None] < np.array(lengths)[:, None]).astype(np.int32)
    inputs = {"input_ids": ids, "attention_mask": mask}
    if family == "bert":
        inputs["token_type_ids"] = np.zeros_like(ids)
    return inputs, mask


def _torch_outputs(model, inputs):
    with torch.no_grad():
        out = model(
            **{k: torch.tensor(v, dtype=torch.long) for k, v in inputs.items()},
            output_hidden_states=True,
        )
    return out.logits.numpy(), out.hidden_states[-1].numpy()


@pytest.mark.parametrize("seq_len", [3, 11, 40])
def test_sequence_classifier_matches_transformers(tiny_checkpoint, seq_len):
    family, directory = tiny_checkpoint
    loaded = load_classifier(directory)
    reference = tr.AutoModelForSequenceClassification.from_pretrained(directory).eval()
    inputs, mask = _random_batch(
        family, seq_len, loaded.config.vocab_size, loaded.config.pad_token_id
    )

    logits = loaded.model(inputs).numpy()
    hidden = hidden_state_model(loaded.model, loaded.config)(inputs).numpy()
    ref_logits, ref_hidden = _torch_outputs(reference, inputs)

    assert loaded.has_trained_head and loaded.labels == ["negative", "neutral", "positive"]
    assert np.abs(logits - ref_logits).max() < TOLERANCE
    # Padded positions are never attended to; compare the real tokens.
    real = mask.astype(bool)
    assert np.abs(hidden[real] - ref_hidden[real]).max() < TOLERANCE


@pytest.mark.parametrize("family", ["bert", "roberta", "distilbert"])
def test_token_classifier_matches_transformers(family, tmp_path):
    directory = make_tiny_checkpoint(family, tmp_path, task="token")
    loaded = load_classifier(directory, task=TOKEN_CLASSIFICATION)
    reference = tr.AutoModelForTokenClassification.from_pretrained(directory).eval()
    inputs, mask = _random_batch(family, 9, loaded.config.vocab_size, loaded.config.pad_token_id)
    ref_logits, _ = _torch_outputs(reference, inputs)
    real = mask.astype(bool)
    assert np.abs(loaded.model(inputs).numpy()[real] - ref_logits[real]).max() < TOLERANCE


def test_saved_checkpoint_loads_in_transformers_with_equal_logits(tiny_checkpoint, tmp_path):
    family, directory = tiny_checkpoint
    loaded = load_classifier(directory)
    # Move the weights away from the original so that equality proves the save worked.
    for weight in loaded.model.get_layer("classifier").weights:
        weight.assign(weight.numpy() + 0.5)
    saved = save_hf_checkpoint(loaded, tmp_path / "saved")
    reference = tr.AutoModelForSequenceClassification.from_pretrained(saved).eval()
    inputs, _ = _random_batch(family, 7, loaded.config.vocab_size, loaded.config.pad_token_id)
    ref_logits, _ = _torch_outputs(reference, inputs)
    assert reference.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    assert np.abs(loaded.model(inputs).numpy() - ref_logits).max() < TOLERANCE


def test_real_minilm_hidden_state_matches_transformers():
    from slm_edge.checkpoint import default_checkpoint
    from slm_edge.tokenization import TextTokenizer

    directory = default_checkpoint()
    loaded = load_classifier(directory, labels=["0", "1"])
    tokenizer = TextTokenizer(directory / "tokenizer.json", max_length=128)
    texts = ["a charming and often affecting journey .", "bleak", "the movie " * 70]
    batch = tokenizer.encode(texts)
    inputs = batch.as_inputs(loaded.family.input_names)
    hidden = hidden_state_model(loaded.model, loaded.config)(inputs).numpy()
    reference = tr.AutoModel.from_pretrained(directory).eval()
    with torch.no_grad():
        ref_hidden = reference(
            **{k: torch.tensor(v, dtype=torch.long) for k, v in inputs.items()}
        ).last_hidden_state.numpy()
    real = batch.attention_mask.astype(bool)
    assert batch.truncated.tolist() == [False, False, True]
    assert np.abs(hidden[real] - ref_hidden[real]).max() < TOLERANCE
    assert loaded.report.initialized == ["classifier"]
