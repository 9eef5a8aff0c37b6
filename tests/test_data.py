"""Tests of slm_edge.data: reading labelled text files, label maps and dev splits."""

import json
from pathlib import Path

import numpy as np
import pytest

from slm_edge.data import LabelMap, TextDataset, read_dataset, stratified_split
from slm_edge.errors import DataError
from tests.conftest import require_shared_data


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


CLINC_LAYOUT = {
    "train": [["set an alarm", "alarm"], ["play jazz", "play_music"], ["wake me at 7", "alarm"]],
    "oos_train": [["how tall is everest", "oos"]],
    "val": [["play some rock", "play_music"]],
    "oos_val": [["who won the game", "oos"]],
    "test": [["alarm for noon", "alarm"], ["put on a song", "play_music"]],
    "oos_test": [["what is love", "oos"], ["buy a boat", "oos"]],
}


# --- reading ---------------------------------------------------------------------------


def test_tsv_with_header_strips_whitespace_and_keeps_bare_quotes(tmp_path):
    path = write(
        tmp_path,
        "dev.tsv",
        'sentence\tlabel\nit \'s a "charming" journey . \t1\n\nbleak and desperate \t0 \n',
    )
    dataset = read_dataset(path)
    assert dataset.texts == ['it \'s a "charming" journey .', "bleak and desperate"]
    assert dataset.labels == ["1", "0"]
    assert dataset.line_numbers == [2, 4]
    assert dataset.source == str(path)
    assert len(dataset) == 2


def test_csv_without_header_uses_first_and_last_columns(tmp_path):
    path = write(tmp_path, "data.csv", 'great movie,x,pos\n"bad, really bad",y,neg\n')
    dataset = read_dataset(path)
    assert dataset.texts == ["great movie", "bad, really bad"]
    assert dataset.labels == ["pos", "neg"]
    assert dataset.line_numbers == [1, 2]


def test_crlf_line_endings_and_byte_order_mark(tmp_path):
    path = write(tmp_path, "data.csv", "\ufeffText,Label\r\nfine,ok\r\n")
    dataset = read_dataset(path)
    assert (dataset.texts, dataset.labels) == (["fine"], ["ok"])


def test_columns_by_header_name(tmp_path):
    path = write(tmp_path, "reviews.csv", "id,review,sentiment\n1,good,pos\n2,bad,neg\n")
    dataset = read_dataset(path, text_column="review", label_column="sentiment")
    assert (dataset.texts, dataset.labels) == (["good", "bad"], ["pos", "neg"])


def test_columns_by_index_with_and_without_header(tmp_path):
    with_header = write(tmp_path, "a.csv", "id,review,sentiment\n1,good,pos\n")
    dataset = read_dataset(with_header, text_column=1, label_column=2, has_header=True)
    assert (dataset.texts, dataset.labels, dataset.line_numbers) == (["good"], ["pos"], [2])

    headerless = write(tmp_path, "b.tsv", "pos\tgood\t7\nneg\tbad\t8\n")
    dataset = read_dataset(headerless, text_column=1, label_column=0)
    assert (dataset.texts, dataset.labels) == (["good", "bad"], ["pos", "neg"])


def test_has_header_false_reads_first_row_as_data(tmp_path):
    path = write(tmp_path, "data.tsv", "text\tlabel\nhello\tgreeting\n")
    dataset = read_dataset(path, has_header=False)
    assert dataset.texts == ["text", "hello"]
    assert dataset.labels == ["label", "greeting"]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_jsonl(tmp_path, suffix):
    lines = [
        json.dumps({"text": " play jazz ", "label": "music", "id": 1}),
        "",
        json.dumps({"sentence": "nice", "label": 1}),
    ]
    path = write(tmp_path, "data" + suffix, "\n".join(lines) + "\n")
    dataset = read_dataset(path)
    assert dataset.texts == ["play jazz", "nice"]
    assert dataset.labels == ["music", "1"]
    assert dataset.line_numbers == [1, 3]


def test_jsonl_with_named_keys(tmp_path):
    path = write(tmp_path, "data.jsonl", json.dumps({"body": "hi", "tag": "greeting"}) + "\n")
    dataset = read_dataset(path, text_column="body", label_column="tag")
    assert (dataset.texts, dataset.labels) == (["hi"], ["greeting"])


@pytest.mark.parametrize(
    ("split", "expected_texts"),
    [
        ("train", ["set an alarm", "play jazz", "wake me at 7", "how tall is everest"]),
        ("dev", ["play some rock", "who won the game"]),
        ("val", ["play some rock", "who won the game"]),
        ("test", ["alarm for noon", "put on a song", "what is love", "buy a boat"]),
        ("oos_test", ["what is love", "buy a boat"]),
    ],
)
def test_clinc_layout_merges_out_of_scope_examples(tmp_path, split, expected_texts):
    path = write(tmp_path, "data_full.json", json.dumps(CLINC_LAYOUT, indent=4))
    dataset = read_dataset(path, split=split)
    assert dataset.texts == expected_texts
    expected_labels = [
        label
        for key, pairs in CLINC_LAYOUT.items()
        for text, label in pairs
        if text in expected_texts
    ]
    assert sorted(dataset.labels) == sorted(expected_labels)
    assert str(path) in dataset.source


# --- reading errors: each names the file and, where there is one, the line ----------------


def error_message(path: Path, **options) -> str:
    with pytest.raises(DataError) as caught:
        read_dataset(path, **options)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_missing_file(tmp_path):
    assert "not found" in error_message(tmp_path / "nope.tsv")


@pytest.mark.parametrize("content", ["", " \n\n"])
def test_empty_file(tmp_path, content):
    assert "empty" in error_message(write(tmp_path, "data.tsv", content))


def test_header_without_data_rows(tmp_path):
    assert "no data rows" in error_message(write(tmp_path, "data.tsv", "sentence\tlabel\n"))


def test_missing_column_lists_existing_columns(tmp_path):
    message = error_message(write(tmp_path, "test.tsv", "index\tsentence\n0\thello\n"))
    assert "line 1" in message
    assert "no label column" in message
    assert "'index', 'sentence'" in message


def test_missing_named_column(tmp_path):
    path = write(tmp_path, "data.csv", "text,label\nhi,a\n")
    message = error_message(path, text_column="review")
    assert "'review'" in message
    assert "'text', 'label'" in message


def test_named_column_without_header(tmp_path):
    path = write(tmp_path, "data.csv", "hi,a\n")
    assert "no header" in error_message(path, text_column="text", has_header=False)


def test_column_index_out_of_range(tmp_path):
    path = write(tmp_path, "data.csv", "hi,a\n")
    assert "label_column=5" in error_message(path, label_column=5)


def test_row_with_too_few_cells(tmp_path):
    path = write(tmp_path, "data.tsv", "sentence\tlabel\ngood\t1\nno label here\n")
    message = error_message(path)
    assert "line 3" in message
    assert "1 cell(s), expected 2" in message


def test_row_with_unquoted_comma(tmp_path):
    path = write(tmp_path, "data.csv", "text,label\nfine,1\nhello, world,1\n")
    message = error_message(path)
    assert "line 3" in message
    assert "quote" in message


def test_empty_label(tmp_path):
    path = write(tmp_path, "data.tsv", "sentence\tlabel\ngood\t1\nbad\t  \n")
    message = error_message(path)
    assert "line 3" in message
    assert "empty label" in message


def test_not_utf8(tmp_path):
    path = write(tmp_path, "data.tsv", b"sentence\tlabel\ngood\t1\n\ncaf\xe9 noir\t0\n")
    message = error_message(path)
    assert "line 4" in message
    assert "not UTF-8" in message
    assert "iconv -f latin1 -t utf-8" in message


def test_invalid_json_line(tmp_path):
    path = write(tmp_path, "data.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", label: 1}\n')
    message = error_message(path)
    assert "line 2" in message
    assert "invalid JSON" in message


def test_json_line_that_is_not_an_object(tmp_path):
    path = write(tmp_path, "data.jsonl", '{"text": "a", "label": "x"}\n["b", "y"]\n')
    assert "line 2" in error_message(path)


def test_jsonl_missing_key_lists_keys(tmp_path):
    path = write(tmp_path, "data.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "tag": 1}\n')
    message = error_message(path)
    assert "line 2" in message
    assert "no label key" in message
    assert "'text', 'tag'" in message


def test_jsonl_empty_label(tmp_path):
    path = write(tmp_path, "data.jsonl", '{"text": "a", "label": ""}\n')
    message = error_message(path)
    assert "line 1" in message
    assert "empty label" in message


def test_json_array_is_rejected_with_a_hint(tmp_path):
    path = write(tmp_path, "data.json", json.dumps([{"text": "a", "label": "x"}]))
    assert "JSON Lines" in error_message(path)


def test_unknown_clinc_split(tmp_path):
    path = write(tmp_path, "data_full.json", json.dumps(CLINC_LAYOUT))
    message = error_message(path, split="holdout")
    assert "'holdout'" in message
    assert "'oos_train'" in message


def test_unsupported_suffix(tmp_path):
    message = error_message(write(tmp_path, "TREC.train", "DESC:manner How ?\n"))
    assert "'.train'" in message
    assert ".tsv, .csv, .jsonl, .json" in message


# --- label maps ------------------------------------------------------------------------


def test_label_map_sorts_numeric_labels_numerically():
    assert LabelMap.from_labels(["10", "2", "0", "1", "2"]).names == ["0", "1", "2", "10"]
    assert LabelMap.from_labels(["pos", "neg", "neutral", "neg"]).names == [
        "neg",
        "neutral",
        "pos",
    ]


def test_label_map_encode_decode_round_trip():
    label_map = LabelMap.from_labels(["neg", "pos"])
    ids = label_map.encode(["pos", "neg", "pos"])
    assert ids.dtype == np.int32
    assert ids.tolist() == [1, 0, 1]
    assert label_map.decode(ids) == ["pos", "neg", "pos"]
    assert len(label_map) == 2


def test_label_map_id2label_survives_json(tmp_path):
    label_map = LabelMap.from_labels(["negative", "positive"])
    assert label_map.id2label == {0: "negative", 1: "positive"}
    assert label_map.label2id == {"negative": 0, "positive": 1}
    config = json.loads(json.dumps({"id2label": label_map.id2label}))
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    assert LabelMap.from_id2label(config["id2label"]) == label_map
    assert LabelMap.from_id2label({1: "b", 0: "a"}).names == ["a", "b"]


@pytest.mark.parametrize("id2label", [{0: "a", 2: "b"}, {"x": "a"}])
def test_label_map_rejects_bad_id2label(id2label):
    with pytest.raises(DataError, match="id2label"):
        LabelMap.from_id2label(id2label)


def test_label_map_rejects_duplicates_and_empty():
    with pytest.raises(DataError, match="duplicate"):
        LabelMap(["a", "b", "a"])
    with pytest.raises(DataError, match="at least one"):
        LabelMap.from_labels([])


def test_unknown_label_names_label_first_line_and_known_labels(tmp_path):
    path = write(tmp_path, "dev.tsv", "sentence\tlabel\nok\t0\nmeh\t2\nfine\t1\nbad\t2\n")
    dataset = read_dataset(path)
    label_map = LabelMap.from_labels(["0", "1"])
    with pytest.raises(DataError) as caught:
        label_map.encode(dataset.labels, source=dataset.source, line_numbers=dataset.line_numbers)
    message = str(caught.value)
    assert f"{path}, line 3" in message
    assert "unknown label '2'" in message
    assert "'0', '1'" in message


def test_unknown_label_without_line_numbers_truncates_known_labels():
    label_map = LabelMap.from_labels([f"intent_{i:03d}" for i in range(150)])
    with pytest.raises(DataError) as caught:
        label_map.encode(["intent_000", "oos"], source="clinc [test]")
    message = str(caught.value)
    assert "clinc [test], example 2: unknown label 'oos'" in message
    assert "'intent_019', ... (130 more)" in message
    assert "intent_020" not in message


def test_decode_rejects_out_of_range_ids():
    with pytest.raises(DataError, match="class id 2"):
        LabelMap(["a", "b"]).decode([0, 2])


# --- stratified split ------------------------------------------------------------------


def make_dataset(counts: dict[str, int]) -> TextDataset:
    labels = [label for label, count in counts.items() for _ in range(count)]
    order = np.random.default_rng(123).permutation(len(labels))
    labels = [labels[i] for i in order]
    texts = [f"text {i}" for i in range(len(labels))]
    return TextDataset(texts, labels, "memory", line_numbers=list(range(2, len(labels) + 2)))


def test_stratified_split_proportions_cover_and_order():
    dataset = make_dataset({"a": 50, "b": 30, "c": 1, "d": 2})
    train, dev = stratified_split(dataset, dev_fraction=0.2, seed=0)

    dev_counts = {label: dev.labels.count(label) for label in "abcd"}
    assert dev_counts == {"a": 10, "b": 6, "c": 0, "d": 1}
    assert set(train.texts).isdisjoint(dev.texts)
    assert sorted(train.texts + dev.texts) == sorted(dataset.texts)
    for part in (train, dev):
        originals = [dataset.texts.index(text) for text in part.texts]
        assert originals == sorted(originals)
        assert part.line_numbers == [dataset.line_numbers[i] for i in originals]
        assert part.labels == [dataset.labels[i] for i in originals]


def test_stratified_split_is_deterministic_per_seed():
    dataset = make_dataset({"a": 40, "b": 40})
    first = stratified_split(dataset, seed=7)
    assert stratified_split(dataset, seed=7) == first
    assert stratified_split(dataset, seed=8)[1].texts != first[1].texts


def test_stratified_split_needs_a_label_with_two_examples():
    with pytest.raises(DataError, match="too few examples"):
        stratified_split(make_dataset({"a": 1, "b": 1}))


@pytest.mark.parametrize("dev_fraction", [0.0, 1.0, -0.1])
def test_stratified_split_rejects_bad_fraction(dev_fraction):
    with pytest.raises(ValueError, match="dev_fraction"):
        stratified_split(make_dataset({"a": 10}), dev_fraction=dev_fraction)


# --- real data in ../shared/data ---------------------------------------------------------


def test_real_sst2_dev():
    dataset = read_dataset(require_shared_data("sst2", "dev.tsv"))
    assert len(dataset) == 872
    assert set(dataset.labels) == {"0", "1"}
    assert dataset.labels.count("1") == 444
    assert dataset.texts[0] == "it 's a charming and often affecting journey ."


def test_real_clinc150_test_split():
    dataset = read_dataset(require_shared_data("clinc150", "data_full.json"), split="test")
    assert len(dataset) == 4500 + 1000
    assert len(set(dataset.labels)) == 151
    assert dataset.labels.count("oos") == 1000
