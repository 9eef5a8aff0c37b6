"""Fine-tuning: batching, schedule, learning, saving, and the train/eval/predict CLI."""

import json

import numpy as np
import pytest
import transformers as tr

from slm_edge.checkpoint import read_tensors
from slm_edge.cli import main
from slm_edge.data import LabelMap, TextDataset
from slm_edge.errors import CheckpointError
from slm_edge.models import load_classifier
from slm_edge.tokenization import TextTokenizer
from slm_edge.training import WarmupLinearDecay, fine_tune, length_bucketed_batches
from slm_edge.training_config import TrainConfig
from tests.conftest import LABELS, make_tiny_checkpoint


def test_length_buckets_cover_every_index_once_and_keep_lengths_close():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 128, size=1000)
    batches = length_bucketed_batches(lengths, 16, np.random.default_rng(1))
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 0.2 * np.ptp(lengths)  # random batches would spread ~ the full range


def test_warmup_then_linear_decay():
    schedule = WarmupLinearDecay(1e-3, warmup_steps=10, total_steps=110)
    values = [float(schedule(step)) for step in (0, 5, 10, 60, 110)]
    assert values == pytest.approx([0.0, 5e-4, 1e-3, 5e-4, 0.0])


def _write_sentiment(path, copies):
    rows = ["good great fun film\tpos", "bad awful boring plot\tneg"] * copies
    path.write_text("sentence\tlabel\n" + "\n".join(rows) + "\n")
    return path


def test_train_eval_predict_cli_end_to_end(tmp_path, capsys):
    checkpoint = make_tiny_checkpoint("bert", tmp_path / "base")
    # A base model: drop the head so that train initialises one for the data's labels.
    config = json.loads((checkpoint / "config.json").read_text())
    config.pop("id2label"), config.pop("label2id")
    (checkpoint / "config.json").write_text(json.dumps(config))
    from safetensors.numpy import save_file

    tensors = {k: v for k, v in read_tensors(checkpoint).items() if not k.startswith("classifier")}
    save_file(tensors, checkpoint / "model.safetensors")

    train = _write_sentiment(tmp_path / "train.tsv", 80)
    out = tmp_path / "run"
    code = main(
        [
            "train",
            str(checkpoint),
            "--train",
            str(train),
            "-o",
            str(out),
            "--epochs",
            "6",
            "--batch-size",
            "8",
            "--learning-rate",
            "3e-3",
        ]
    )
    assert code == 0
    summary = json.loads((out / "training.json").read_text())
    assert summary["best_dev"]["accuracy"] == 1.0  # the task is trivially learnable

    reference = tr.AutoModelForSequenceClassification.from_pretrained(out)
    assert reference.config.id2label == {0: "neg", 1: "pos"}

    code = main(["eval", str(out), "--data", str(train), "--report", str(tmp_path / "r.json")])
    assert code == 0
    assert json.loads((tmp_path / "r.json").read_text())["accuracy"] == 1.0
    capsys.readouterr()
    assert main(["predict", str(out), "good fun film", "awful plot", "--json"]) == 0
    predictions = json.loads(capsys.readouterr().out)
    assert [p["label"] for p in predictions] == ["pos", "neg"]


def test_distillation_learns_the_teacher_not_the_labels(tmp_path):
    """Teacher probabilities that contradict every label win: the model follows them."""
    checkpoint = make_tiny_checkpoint("bert", tmp_path / "base")
    loaded = load_classifier(checkpoint, labels=LABELS)
    tokenizer = TextTokenizer(checkpoint / "tokenizer.json", 16)
    rows = [("good great fun film", "positive"), ("bad awful boring plot", "negative")] * 40
    train = TextDataset([t for t, _ in rows], [label for _, label in rows], "train")
    flipped = {"positive": "negative", "negative": "positive"}
    teacher_labels = [flipped[label] for label in train.labels]
    teacher = np.eye(len(LABELS), dtype=np.float32)[LabelMap(LABELS).encode(teacher_labels)]
    dev = TextDataset(train.texts, teacher_labels, "dev")  # scored against the teacher
    config = TrainConfig(epochs=6, batch_size=8, learning_rate=3e-3, patience=12)

    result = fine_tune(loaded, tokenizer, train, dev, config, teacher_probabilities=teacher)

    assert result.best_report.accuracy == 1.0
    with pytest.raises(ValueError, match="expected"):
        fine_tune(loaded, tokenizer, train, dev, config, teacher_probabilities=teacher[:3])


def test_train_refuses_to_overwrite_existing_output(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("work")
    train = _write_sentiment(tmp_path / "train.tsv", 4)
    code = main(["train", "--train", str(train), "-o", str(tmp_path / "run")])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
    assert (tmp_path / "run" / "keep.txt").read_text() == "work"


def test_unused_tensors_are_reported_by_name(tmp_path):
    checkpoint = make_tiny_checkpoint("bert", tmp_path / "ck")
    from safetensors.numpy import save_file

    tensors = read_tensors(checkpoint)
    tensors["cls.predictions.bias"] = np.zeros(3, np.float32)
    save_file(tensors, checkpoint / "model.safetensors")
    loaded = load_classifier(checkpoint)
    assert loaded.report.unused == ["cls.predictions.bias"]
    assert "unused tensors: cls.predictions.bias" in loaded.report.summary()


def test_missing_encoder_tensor_is_an_error_naming_it(tmp_path):
    checkpoint = make_tiny_checkpoint("distilbert", tmp_path / "ck")
    from safetensors.numpy import save_file

    tensors = read_tensors(checkpoint)
    del tensors["distilbert.transformer.layer.1.ffn.lin2.weight"]
    save_file(tensors, checkpoint / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"transformer\.layer\.1\.ffn\.lin2\.weight"):
        load_classifier(checkpoint)


def test_pytorch_bin_without_torch_explains_how_to_convert(tmp_path, monkeypatch):
    import builtins

    checkpoint = make_tiny_checkpoint("bert", tmp_path / "ck")
    (checkpoint / "model.safetensors").unlink()
    (checkpoint / "pytorch_model.bin").write_bytes(b"not used")
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(CheckpointError, match="safetensors"):
        load_classifier(checkpoint)


def test_missing_tokenizer_is_a_clear_error(tmp_path):
    from slm_edge.errors import TokenizerError
    from slm_edge.tokenization import TextTokenizer

    with pytest.raises(TokenizerError, match="tokenizer.json not found"):
        TextTokenizer(tmp_path / "tokenizer.json")
