"""Prints the character-class overrides that CharClasses.kt embeds.

The Rust ``tokenizers`` library decides what is a control character, punctuation or a
non-spacing mark from Unicode 8.0 tables; Java and Android use newer ones. This asks the library
itself, through its BERT normalizer and pre-tokenizer, about every code point, compares with the
current Unicode database (Python's ``unicodedata``), and prints the code points whose class
differs, as ranges: ``START[-END]:CLASS`` with CLASS ``c`` control, ``p`` punctuation, ``m``
non-spacing mark, ``o`` none of those. The code point sweep in the Kotlin tests checks the result.

Usage: .venv/bin/python android_demo/tools/unicode_overrides.py
"""

import unicodedata

from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer

CLEAN = BertNormalizer(
    clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False
)
STRIP = BertNormalizer(
    clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False
)
SPLIT = BertPreTokenizer()
ASCII_PUNCTUATION = {c for c in range(33, 127) if not chr(c).isalnum()}


def library_class(char: str) -> str:
    """The class the library gives ``char``, seen from its output around two letters."""
    if CLEAN.normalize_str(f"a{char}b") == "ab":
        return "c"
    if len(SPLIT.pre_tokenize_str(f"a{char}b")) == 3:
        return "p"
    if unicodedata.normalize("NFD", char) == char and STRIP.normalize_str(f"a{char}b") == "ab":
        return "m"
    return "o"


def current_class(char: str) -> str:
    """The class that the current Unicode categories give ``char``, as CharClasses.kt reads them."""
    category = unicodedata.category(char)
    if char in "\t\n\r":
        return "o"
    if category in ("Cc", "Cf", "Co"):
        return "c"
    if ord(char) in ASCII_PUNCTUATION or category.startswith("P"):
        return "p"
    if category == "Mn" and unicodedata.normalize("NFD", char) == char:
        return "m"
    return "o"


def overrides() -> list[tuple[int, int, str]]:
    ranges: list[tuple[int, int, str]] = []
    for point in range(0x110000):
        # Surrogates cannot be strings, U+0000 and U+FFFD are removed by name, private use is
        # stable.
        surrogate = 0xD800 <= point <= 0xDFFF
        private_use = 0xE000 <= point <= 0xF8FF or point >= 0xF0000
        if surrogate or private_use or point in (0, 0xFFFD):
            continue
        char = chr(point)
        wanted = library_class(char)
        if wanted == current_class(char):
            continue
        if ranges and ranges[-1][1] == point - 1 and ranges[-1][2] == wanted:
            ranges[-1] = (ranges[-1][0], point, wanted)
        else:
            ranges.append((point, point, wanted))
    return ranges


def main() -> None:
    items = [f"{a:X}:{c}" if a == b else f"{a:X}-{b:X}:{c}" for a, b, c in overrides()]
    line = ""
    for item in items:
        if len(line) + len(item) > 90:
            print(f'        "{line}" +')
            line = ""
        line += item + " "
    print(f'        "{line.rstrip()}"')


if __name__ == "__main__":
    main()
