"""Tokenization from a checkpoint's or bundle's ``tokenizer.json`` (no TensorFlow).

Used both when training and on the device, so both sides produce identical ids.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from slm_edge.errors import TokenizerError

_PAD_TOKENS = ("[PAD]", "<pad>")


@dataclass
class EncodedBatch:
    """Padded int32 model inputs for a batch of texts."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    lengths: np.ndarray  # real tokens per text, special tokens included
    truncated: np.ndarray  # bool per text: was anything cut off?

    def as_inputs(self, input_names: tuple[str, ...] | list[str]) -> dict[str, np.ndarray]:
        """The arrays the model takes, by input name."""
        return {name: getattr(self, name) for name in input_names}


class TextTokenizer:
    """Wraps ``tokenizers.Tokenizer`` with truncation, flagging and numpy padding.

    Args:
        path: a ``tokenizer.json`` file.
        max_length: longest sequence, special tokens included.
        parallel: tokenize a batch on the ``tokenizers`` thread pool (for training). The
            device runtime turns it off: its callers bring their own threads, and for the
            few short texts of a request the pool saves nothing (4 texts: 243 µs in the
            pool, 150 µs one by one, measured here).
    """

    def __init__(self, path: str | Path, max_length: int = 128, parallel: bool = True):
        path = Path(path)
        if not path.is_file():
            raise TokenizerError(
                f"{path}: tokenizer.json not found; the checkpoint or bundle needs a fast "
                "tokenizer file (save it with transformers' `tokenizer.save_pretrained(DIR)`)"
            )
        try:
            self._tokenizer = Tokenizer.from_file(str(path))
        except Exception as error:  # tokenizers raises a bare Exception on bad JSON
            raise TokenizerError(f"{path}: cannot be read as a tokenizer ({error})") from error
        self.path = path
        self.max_length = max_length
        self.parallel = parallel
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length)
        self.pad_id = self._find_pad_id()

    def _find_pad_id(self) -> int:
        padding = self._tokenizer.padding
        if padding:
            return int(padding["pad_id"])
        for token in _PAD_TOKENS:
            token_id = self._tokenizer.token_to_id(token)
            if token_id is not None:
                return token_id
        return 0

    @property
    def lowercase(self) -> bool:
        """Whether the normalizer lowercases (MediaPipe always does)."""
        normalizer = str(self._tokenizer.normalizer).lower()
        return "lowercase: true" in normalizer or "lowercase()" in normalizer

    def encode(self, texts: list[str], pad_to: int | None = None) -> EncodedBatch:
        """Tokenizes ``texts`` and pads them to ``pad_to`` (default: the longest)."""
        encodings = self._encode_all(texts)
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int32)
        width = pad_to or int(lengths.max(initial=1))
        input_ids = np.full((len(texts), width), self.pad_id, dtype=np.int32)
        token_type_ids = np.zeros((len(texts), width), dtype=np.int32)
        for row, encoding in enumerate(encodings):
            input_ids[row, : lengths[row]] = encoding.ids
            token_type_ids[row, : lengths[row]] = encoding.type_ids
        attention_mask = (np.arange(width)[None, :] < lengths[:, None]).astype(np.int32)
        truncated = np.array([bool(e.overflowing) for e in encodings])
        return EncodedBatch(input_ids, attention_mask, token_type_ids, lengths, truncated)

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        """Token count of each text after truncation, special tokens included."""
        return np.array([len(e.ids) for e in self._encode_all(texts)])

    def _encode_all(self, texts: list[str]) -> list:
        if self.parallel:
            return self._tokenizer.encode_batch(list(texts))
        return [self._tokenizer.encode(text) for text in texts]
