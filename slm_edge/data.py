"""Labelled text data: read TSV/CSV/JSONL/CLINC150 files, map labels to ids, split off a dev set.

NumPy and the standard library only: the device runtime imports this module too.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from slm_edge.errors import DataError

TEXT_COLUMN_NAMES = ("text", "sentence", "utterance", "query", "question")
LABEL_COLUMN_NAMES = ("label", "labels", "intent", "category", "class")
DEFAULT_COLUMN_NAMES = {"text": TEXT_COLUMN_NAMES, "label": LABEL_COLUMN_NAMES}
SUPPORTED_SUFFIXES = (".tsv", ".csv", ".jsonl", ".json")
CLINC_SPLITS = ("train", "val", "test")
CLINC_SPLIT_ALIASES = {"dev": "val", "validation": "val"}
MAX_LABELS_IN_MESSAGE = 20

Column = str | int | None
_INTEGER = re.compile(r"-?\d+")
_JSONL_EXAMPLE = '{"text": "...", "label": "..."}'


@dataclass(frozen=True)
class TextDataset:
    """Texts and their string labels, read from ``source``.

    ``line_numbers`` holds the 1-based line of each example in ``source`` (empty when the
    format has no per-example lines, as in CLINC150) so errors can point at the line.
    """

    texts: list[str]
    labels: list[str]
    source: str
    line_numbers: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels")
        if self.line_numbers and len(self.line_numbers) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(self.line_numbers)} line numbers")

    def __len__(self) -> int:
        return len(self.texts)


def read_dataset(
    path: str | Path,
    *,
    text_column: Column = None,
    label_column: Column = None,
    has_header: bool | None = None,
    split: str = "train",
) -> TextDataset:
    """Read labelled texts from a ``.tsv``, ``.csv``, ``.jsonl`` or ``.json`` file.

    Columns are given by header name (str) or 0-based index (int). By default a header is
    detected from known column names; with a header the text and label columns are found by
    those names, without one the text is column 0 and the label the last column. ``split``
    only applies to a CLINC150-layout ``.json`` file, whose out-of-scope examples of the
    split (``oos_<split>``) are merged in as label ``"oos"``.
    """
    path = Path(path)
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "file not found"
        raise DataError(f"{path}: {problem} (looked in {path.resolve()}); check the path")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataError(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}. Rename or convert the file."
        )
    content = _read_utf8(path)
    if not content.strip():
        raise DataError(f"{path}: the file is empty; it needs one labelled example per line")
    if suffix in (".tsv", ".csv"):
        return _read_table(
            path,
            content,
            delimiter="\t" if suffix == ".tsv" else ",",
            text_column=text_column,
            label_column=label_column,
            has_header=has_header,
        )
    if suffix == ".json":
        document = _load_json_or_none(content)
        if _is_clinc_layout(document):
            return _read_clinc(path, document, split)
        if isinstance(document, list):
            raise DataError(
                f"{path}: a top-level JSON array is not supported; write one object per line "
                f"(JSON Lines, e.g. {_JSONL_EXAMPLE}) or use the CLINC150 layout "
                '({"train": [[text, intent], ...], "val": [...], "test": [...]})'
            )
    return _read_jsonl(path, content, text_column=text_column, label_column=label_column)


def _read_utf8(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{path}, line {line}: the file is not UTF-8 (byte 0x{raw[error.start]:02x} cannot "
            f"be decoded); convert it, e.g. `iconv -f latin1 -t utf-8 {path.name} > "
            f"{path.stem}.utf8{path.suffix}` if it is Latin-1"
        ) from None


def _read_table(
    path: Path,
    content: str,
    *,
    delimiter: str,
    text_column: Column,
    label_column: Column,
    has_header: bool | None,
) -> TextDataset:
    rows = _numbered_rows(path, content, delimiter)
    first_line, first_cells = rows[0]
    if has_header is None:
        known_names = TEXT_COLUMN_NAMES + LABEL_COLUMN_NAMES
        has_header = (
            isinstance(text_column, str)
            or isinstance(label_column, str)
            or any(cell.strip().lower() in known_names for cell in first_cells)
        )
    if has_header:
        data_rows = rows[1:]
        text_index = _header_column(path, first_line, first_cells, text_column, "text")
        label_index = _header_column(path, first_line, first_cells, label_column, "label")
    else:
        data_rows = rows
        text_index = _headerless_column(path, first_cells, text_column, "text", default=0)
        label_index = _headerless_column(path, first_cells, label_column, "label", default=-1)
    if not data_rows:
        raise DataError(f"{path}: no data rows after the header on line {first_line}")

    separator = "tab" if delimiter == "\t" else "comma"
    texts: list[str] = []
    labels: list[str] = []
    line_numbers: list[int] = []
    for line, cells in data_rows:
        if len(cells) < len(first_cells):
            raise DataError(
                f"{path}, line {line}: {len(cells)} cell(s), expected {len(first_cells)} "
                f"(as on line {first_line}); separate the columns with a {separator}"
            )
        if len(cells) > len(first_cells):
            hint = (
                "a text must not contain tabs"
                if delimiter == "\t"
                else 'quote texts that contain commas ("like, this")'
            )
            raise DataError(
                f"{path}, line {line}: {len(cells)} cells, expected {len(first_cells)} "
                f"(as on line {first_line}); {hint}"
            )
        label = cells[label_index].strip()
        if not label:
            raise DataError(
                f"{path}, line {line}: empty label (column {label_index}); "
                "every example needs a label"
            )
        texts.append(cells[text_index].strip())
        labels.append(label)
        line_numbers.append(line)
    return TextDataset(texts, labels, str(path), line_numbers)


def _numbered_rows(path: Path, content: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows, each with the line it starts on."""
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, quoting=quoting)
    rows = []
    start_line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((start_line, cells))
            start_line = reader.line_num + 1
    except csv.Error as error:
        raise DataError(
            f"{path}, line {reader.line_num}: malformed row ({error}); check the quoting"
        ) from None
    return rows


def _header_column(
    path: Path, header_line: int, header: list[str], column: Column, role: str
) -> int:
    if isinstance(column, int):
        return _checked_index(path, header, column, role)
    lowered = [cell.strip().lower() for cell in header]
    for name in _wanted_names(column, role):
        if name.lower() in lowered:
            return lowered.index(name.lower())
    unlabelled_hint = " (an unlabelled file cannot be used)" if role == "label" else ""
    raise DataError(
        f"{path}, line {header_line}: no {role} column {_describe(column, role)}"
        f"{unlabelled_hint}; the "
        f"header has columns {', '.join(repr(cell.strip()) for cell in header)}. "
        f"Pass {role}_column= with one of them or a 0-based index."
    )


def _headerless_column(
    path: Path, first_row: list[str], column: Column, role: str, *, default: int
) -> int:
    if isinstance(column, str):
        raise DataError(
            f"{path}: {role}_column={column!r} names a column, but the file has no header; "
            "give a 0-based index instead, or has_header=True if line 1 is a header"
        )
    return _checked_index(path, first_row, default if column is None else column, role)


def _wanted_names(column: str | None, role: str) -> Sequence[str]:
    return [column] if column is not None else DEFAULT_COLUMN_NAMES[role]


def _describe(column: str | None, role: str) -> str:
    return repr(column) if column is not None else "named " + "/".join(DEFAULT_COLUMN_NAMES[role])


def _checked_index(path: Path, row: list[str], column: int, role: str) -> int:
    if not -len(row) <= column < len(row):
        raise DataError(
            f"{path}: {role}_column={column} does not exist; the rows have {len(row)} "
            f"column(s), indices 0 to {len(row) - 1}"
        )
    return column % len(row)


def _load_json_or_none(content: str) -> object:
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return None


def _is_clinc_layout(document: object) -> bool:
    return (
        isinstance(document, dict)
        and any(split in document for split in CLINC_SPLITS)
        and all(isinstance(pairs, list) for pairs in document.values())
    )


def _read_clinc(path: Path, document: dict[str, list], split: str) -> TextDataset:
    name = CLINC_SPLIT_ALIASES.get(split, split)
    if name in CLINC_SPLITS and name in document:
        keys = [key for key in (name, f"oos_{name}") if key in document]
    elif name in document:
        keys = [name]
    else:
        raise DataError(
            f"{path}: no split {split!r}; this CLINC150-layout file has "
            f"{', '.join(map(repr, document))}. Pass split='train', 'val' or 'test'."
        )
    texts: list[str] = []
    labels: list[str] = []
    for key in keys:
        for number, pair in enumerate(document[key], start=1):
            where = f"{path}, {key!r} item {number}"
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(value, str) for value in pair)
            ):
                raise DataError(f"{where}: expected a [text, intent] pair of strings, got {pair!r}")
            text, label = pair[0].strip(), pair[1].strip()
            if not label:
                raise DataError(f"{where}: empty intent; every example needs a label")
            texts.append(text)
            labels.append(label)
    if not texts:
        raise DataError(f"{path}: split {split!r} has no examples")
    return TextDataset(texts, labels, f"{path} [{'+'.join(keys)}]")


def _read_jsonl(
    path: Path, content: str, *, text_column: Column, label_column: Column
) -> TextDataset:
    for role, column in (("text", text_column), ("label", label_column)):
        if isinstance(column, int):
            raise DataError(
                f"{path}: {role}_column={column} is an index, but JSON records are objects; "
                "give the key name instead"
            )
    texts: list[str] = []
    labels: list[str] = []
    line_numbers: list[int] = []
    for line, row in enumerate(content.split("\n"), start=1):
        if not row.strip():
            continue
        try:
            record = json.loads(row)
        except json.JSONDecodeError as error:
            raise DataError(
                f"{path}, line {line}: invalid JSON ({error.msg} at column {error.colno}); "
                f"each line must be one JSON object such as {_JSONL_EXAMPLE}"
            ) from None
        if not isinstance(record, dict):
            raise DataError(
                f"{path}, line {line}: expected a JSON object such as {_JSONL_EXAMPLE}, "
                f"got {type(record).__name__}"
            )
        text = record[_record_key(path, line, record, text_column, "text")]
        label = record[_record_key(path, line, record, label_column, "label")]
        if not isinstance(text, str):
            raise DataError(
                f"{path}, line {line}: the text must be a string, got {type(text).__name__}"
            )
        if isinstance(label, bool) or not isinstance(label, str | int):
            raise DataError(
                f"{path}, line {line}: the label must be a string or an integer, "
                f"got {type(label).__name__}"
            )
        label = str(label).strip()
        if not label:
            raise DataError(f"{path}, line {line}: empty label; every example needs a label")
        texts.append(text.strip())
        labels.append(label)
        line_numbers.append(line)
    return TextDataset(texts, labels, str(path), line_numbers)


def _record_key(path: Path, line: int, record: dict, column: str | None, role: str) -> str:
    for key in _wanted_names(column, role):
        if key in record:
            return key
    raise DataError(
        f"{path}, line {line}: no {role} key {_describe(column, role)}; the record has keys "
        f"{', '.join(map(repr, record)) or '(none)'}. Pass {role}_column= with the key name."
    )


@dataclass(frozen=True)
class LabelMap:
    """Label names in class-id order: the id of a label is its index in ``names``."""

    names: list[str]

    def __post_init__(self) -> None:
        if not self.names:
            raise DataError("a label map needs at least one label")
        duplicates = sorted(name for name, count in Counter(self.names).items() if count > 1)
        if duplicates:
            raise DataError(f"duplicate label names: {_shorten(duplicates)}")

    @classmethod
    def from_labels(cls, labels: Iterable[str]) -> LabelMap:
        """Sorted unique labels; integer labels ("0", "1", "10") sort numerically."""
        unique = set(labels)
        numeric = all(_INTEGER.fullmatch(label) for label in unique)
        return cls(sorted(unique, key=int) if numeric else sorted(unique))

    @classmethod
    def from_id2label(cls, id2label: Mapping[int, str] | Mapping[str, str]) -> LabelMap:
        """From a Hugging Face ``id2label`` (int keys, or str keys as read back from JSON)."""
        try:
            by_id = {int(class_id): str(name) for class_id, name in id2label.items()}
        except (TypeError, ValueError):
            raise DataError(
                f"id2label keys must be integers, got {_shorten(list(id2label))}"
            ) from None
        if sorted(by_id) != list(range(len(by_id))):
            raise DataError(
                f"id2label ids must be 0 to {len(by_id) - 1} without gaps, got "
                f"{_shorten([str(class_id) for class_id in sorted(by_id)])}"
            )
        return cls([by_id[class_id] for class_id in range(len(by_id))])

    def __len__(self) -> int:
        return len(self.names)

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: class_id for class_id, name in enumerate(self.names)}

    def encode(
        self,
        labels: Sequence[str],
        *,
        source: str = "labels",
        line_numbers: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Class ids (int32) of ``labels``; ``source``/``line_numbers`` locate bad labels."""
        label2id = self.label2id
        ids = np.empty(len(labels), dtype=np.int32)
        first_unknown: dict[str, int] = {}
        for index, label in enumerate(labels):
            class_id = label2id.get(label, -1)
            if class_id < 0:
                first_unknown.setdefault(label, index)
            ids[index] = class_id
        if first_unknown:
            label, index = next(iter(first_unknown.items()))
            where = f"line {line_numbers[index]}" if line_numbers else f"example {index + 1}"
            others = list(first_unknown)[1:]
            also = f" (and {len(others)} more unknown: {_shorten(others, 5)})" if others else ""
            raise DataError(
                f"{source}, {where}: unknown label {label!r}{also}; known labels ({len(self)}): "
                f"{_shorten(self.names)}. Fix the label, or use data whose labels match the "
                "ones the model was trained with."
            )
        return ids

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Label names of class ids."""
        names = []
        for class_id in ids:
            index = int(class_id)
            if not 0 <= index < len(self.names):
                raise DataError(
                    f"class id {index} is outside 0 to {len(self.names) - 1}; the model's "
                    f"outputs do not match its {len(self.names)} labels"
                )
            names.append(self.names[index])
        return names


def stratified_split(
    dataset: TextDataset, dev_fraction: float = 0.1, seed: int = 0
) -> tuple[TextDataset, TextDataset]:
    """Split ``dataset`` into (train, dev) with about ``dev_fraction`` of each label in dev.

    Every label with at least two examples gets at least one dev and one train example; a
    label seen once stays in train. Both parts keep the original order. Deterministic per seed.
    """
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev_fraction must be between 0 and 1, got {dev_fraction}")
    rng = np.random.default_rng(seed)
    labels = np.asarray(dataset.labels)
    dev_parts = []
    for label in sorted(set(dataset.labels)):
        members = np.flatnonzero(labels == label)
        if len(members) < 2:
            continue
        dev_count = min(max(round(len(members) * dev_fraction), 1), len(members) - 1)
        dev_parts.append(rng.permutation(members)[:dev_count])
    if not dev_parts:
        raise DataError(
            f"{dataset.source}: too few examples to split off a dev set (no label has two); "
            "give a separate dev file"
        )
    is_dev = np.zeros(len(dataset), dtype=bool)
    is_dev[np.concatenate(dev_parts)] = True
    return _subset(dataset, np.flatnonzero(~is_dev)), _subset(dataset, np.flatnonzero(is_dev))


def stratified_subset(dataset: TextDataset, size: int | None, seed: int = 0) -> TextDataset:
    """About ``size`` examples with the label proportions of ``dataset`` (all if fewer)."""
    if not size or size >= len(dataset):
        return dataset
    return stratified_split(dataset, 1 - size / len(dataset), seed=seed)[0]


def _subset(dataset: TextDataset, indices: np.ndarray) -> TextDataset:
    return TextDataset(
        texts=[dataset.texts[i] for i in indices],
        labels=[dataset.labels[i] for i in indices],
        source=dataset.source,
        line_numbers=[dataset.line_numbers[i] for i in indices] if dataset.line_numbers else [],
    )


def _shorten(names: Sequence[str], limit: int = MAX_LABELS_IN_MESSAGE) -> str:
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")
