"""Shared fixtures: tiny random checkpoints of every family, made with transformers."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require_shared_data(*relative: str) -> Path:
    """The path to a real dataset file; fails under CI and skips elsewhere when it is absent."""
    path = SHARED_DATA.joinpath(*relative)
    if not path.exists():
        message = f"{path} is missing (real datasets live in ../shared/data)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37)
LABELS = ["negative", "neutral", "positive"]


def _write_wordpiece_tokenizer(directory: Path, vocab: list[str]) -> None:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))],
    )
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.save(str(directory / "tokenizer.json"))
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")


WORDS = (
    "good great fine fun love bad awful boring dull hate movie film plot actor the a "
    "is was not very and it this of to"
).split()
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, ".", ",", "!"]
VOCAB += [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz"] + list("abcdefghijklmnopqrstuvwxyz")


def make_tiny_checkpoint(family: str, directory: Path, task: str = "sequence") -> Path:
    """Saves a random transformers model of ``family`` with a tokenizer to ``directory``."""
    import torch
    import transformers as tr

    torch.manual_seed(0)
    id2label = dict(enumerate(LABELS))
    if family == "bert":
        config = tr.BertConfig(vocab_size=len(VOCAB), max_position_embeddings=64, **TINY)
        classes = {
            "sequence": tr.BertForSequenceClassification,
            "token": tr.BertForTokenClassification,
        }
    elif family == "roberta":
        config = tr.RobertaConfig(
            vocab_size=len(VOCAB),
            max_position_embeddings=66,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            type_vocab_size=1,
            **TINY,
        )
        classes = {
            "sequence": tr.RobertaForSequenceClassification,
            "token": tr.RobertaForTokenClassification,
        }
    else:
        config = tr.DistilBertConfig(
            vocab_size=len(VOCAB),
            max_position_embeddings=64,
            dim=32,
            n_layers=2,
            n_heads=4,
            hidden_dim=37,
        )
        classes = {
            "sequence": tr.DistilBertForSequenceClassification,
            "token": tr.DistilBertForTokenClassification,
        }
    config.id2label = id2label
    config.label2id = {v: k for k, v in id2label.items()}
    model = classes[task](config).eval()
    with torch.no_grad():  # random LayerNorm parameters so that a swapped gamma/beta shows
        for name, parameter in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                parameter.add_(torch.randn_like(parameter) * 0.1)
    model.save_pretrained(directory)
    _write_wordpiece_tokenizer(directory, VOCAB)
    return directory


@pytest.fixture(scope="session", params=["bert", "roberta", "distilbert"])
def tiny_checkpoint(request, tmp_path_factory) -> tuple[str, Path]:
    """(family, checkpoint dir) for each family, sequence classification."""
    directory = tmp_path_factory.mktemp(f"tiny-{request.param}")
    return request.param, make_tiny_checkpoint(request.param, directory)
