"""How labels and queries are turned into comparable text and index tokens.

Everything is *folded* first: compatibility-decomposed (NFKD), combining marks dropped (``Málaga`` ->
``malaga``, ``Québec`` -> ``quebec``), case-folded, then recomposed. Hangul syllables are finally
written as their conjoining jamo (``대전`` -> ``ᄃ ᅢ ᄌ ᅥ ᆫ``), so a half-typed syllable is a prefix of the
full one: ``대저`` (typed on the way to ``대전``) is a prefix of ``대전``.

Index tokens (for SQLite FTS5, which only ever sees these, separated by spaces):

* a word of Latin (or any non-CJK) letters and digits is one token (``daejeon``);
* a run of Hangul, kana or CJK ideographs gives its character *bigrams*, in order, then its
  single characters. Korean writes compounds without spaces (``대덕연구단지``), so a word inside a
  label is only found by substrings; bigrams make every two-syllable substring a token, which
  FTS5's trigram tokenizer cannot do (it finds nothing for a two-character query);
* an acronym made of the initials of a label's capitalised words (``Korea Research Institute of
  Standards and Science`` -> ``kriss``), so an acronym finds the entity even when the data does not
  state it.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")


def _is_cjk(char: str) -> bool:
    """Hangul syllables and jamo, kana, CJK ideographs: scripts written without spaces."""
    code = ord(char)
    return (0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F
            or 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xF900 <= code <= 0xFAFF or 0xA960 <= code <= 0xA97F or 0xD7B0 <= code <= 0xD7FF)


def fold(text: str) -> str:
    """Case- and diacritic-folded text with Hangul as syllables and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    folded = unicodedata.normalize("NFC", stripped.casefold())
    return " ".join(folded.split())


def jamo(text: str) -> str:
    """Hangul syllables written as conjoining jamo (other characters unchanged)."""
    return unicodedata.normalize("NFD", text)


def normalise(text: str) -> str:
    """The form labels and queries are compared in: folded, Hangul as jamo."""
    return jamo(fold(text))


def _segments(word: str):
    """(is_cjk, text) runs of one word."""
    start = 0
    for i in range(1, len(word) + 1):
        if i == len(word) or _is_cjk(word[i]) != _is_cjk(word[start]):
            yield _is_cjk(word[start]), word[start:i]
            start = i


def acronym(label: str) -> str | None:
    """Initials of the capitalised words of a label of at least three such words, folded."""
    words = _CAPITALISED.findall(label)
    if len(words) < 3:
        return None
    return fold("".join(word[0] for word in words))


def index_tokens(label: str) -> str:
    """The space-separated FTS5 tokens of a label (see the module docstring)."""
    tokens: list[str] = []
    for word in _WORD.findall(fold(label)):
        for cjk, segment in _segments(word):
            if not cjk:
                tokens.append(segment)
                continue
            tokens.extend(segment[i:i + 2] for i in range(len(segment) - 1))
            tokens.extend(segment)
    initials = acronym(label)
    if initials and initials not in tokens:
        tokens.append(initials)
    return " ".join(jamo(token) for token in tokens)


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression for a typed query, or None when it has no word characters.

    Every word must match; the last one may be unfinished (a prefix). A CJK run must appear as
    written: its bigrams as one phrase (adjacent tokens); a single CJK character matches as a
    prefix of a bigram or as itself.
    """
    words = _WORD.findall(fold(query))
    if not words:
        return None
    parts: list[str] = []
    segments = [segment for word in words for segment in _segments(word)]
    for position, (cjk, segment) in enumerate(segments):
        last = position == len(segments) - 1
        if cjk and len(segment) > 1:
            tokens = [jamo(segment[i:i + 2]) for i in range(len(segment) - 1)]
        else:
            tokens = [jamo(segment)]
        phrase = '"' + " ".join(tokens) + '"'
        parts.append(phrase + "*" if last or (cjk and len(segment) == 1) else phrase)
    return " AND ".join(parts)
