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

_WORD = re.compile(r"[^\W_]+")   # letters and digits (FTS5's unicode61 splits the same way)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")


# Hangul syllables and jamo, kana, CJK ideographs: scripts written without spaces between words.
_CJK_CHARS = ("\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
              "\uf900-\ufaff\ua960-\ua97f\ud7b0-\ud7ff")
_RUN = re.compile(f"([{_CJK_CHARS}]+)|([^{_CJK_CHARS}]+)")
# Combining marks (the accents NFKD splits off Latin, Greek and Cyrillic letters, and others).
_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f"
                    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Case- and diacritic-folded text with Hangul as syllables and single spaces."""
    if text.isascii():
        return " ".join(text.casefold().split())
    stripped = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(unicodedata.normalize("NFC", stripped.casefold()).split())


def jamo(text: str) -> str:
    """Hangul syllables written as conjoining jamo (other characters unchanged)."""
    return text if text.isascii() else unicodedata.normalize("NFD", text)


def normalise(text: str) -> str:
    """The form labels and queries are compared in: folded, Hangul as jamo."""
    return jamo(fold(text))


def _segments(word: str):
    """(is_cjk, text) runs of one word."""
    for cjk, other in _RUN.findall(word):
        yield (True, cjk) if cjk else (False, other)


def acronym(label: str) -> str | None:
    """Initials of the capitalised words of a label of at least three such words, folded."""
    words = _CAPITALISED.findall(label)
    if len(words) < 3:
        return None
    return fold("".join(word[0] for word in words))


def index_tokens(label: str, folded: str | None = None) -> str:
    """The space-separated FTS5 tokens of a label (see the module docstring); ``folded``: the
    label already folded, if the caller has it."""
    folded = fold(label) if folded is None else folded
    initials = acronym(label)
    if folded.isascii():
        # Most labels: the words themselves, split by FTS5's tokenizer exactly as _WORD would.
        return f"{folded} {initials}" if initials else folded
    tokens: list[str] = []
    for word in _WORD.findall(folded):
        for cjk, segment in _segments(word):
            if not cjk:
                tokens.append(segment)
                continue
            tokens.extend(segment[i:i + 2] for i in range(len(segment) - 1))
            tokens.extend(segment)
    if initials:
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
