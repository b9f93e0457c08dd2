"""The functions RML mappings may call through RML-FNML (``fnml:functionValue``).

GREL and IDLab functions keep the IRIs and parameter names that morph-kgc and the RML test cases
use, so a mapping that needs only those runs elsewhere too. The ``igfn:`` functions read the
``source`` cells of the breadth tables: a cell lists one or more references separated by ';',
each a URL (optionally followed by a note in parentheses), a ``github:owner/repo@commit:path``
pointer, or a short citation. Each function returns one value per reference, in cell order.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable
from urllib.parse import urlsplit

GREL = "http://users.ugent.be/~bjdmeest/function/grel.ttl#"
IDLAB = "https://w3id.org/imec/idlab/function#"
IGFN = "https://w3id.org/innograph/function#"
ID_BASE = "https://w3id.org/innograph/id/"

_URL = re.compile(r"^(https?://\S+)")
_GITHUB = re.compile(r"^github:(?P<repo>[^@\s]+)@(?P<commit>[0-9a-f]{7,40}):(?P<path>\S+)")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-' (accents dropped: 'Málaga' -> 'malaga')."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c if c.isascii() else ("" if unicodedata.combining(c) else " ") for c in decomposed)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def references(cell: str | None) -> list[str]:
    """The distinct references of a source cell, in order."""
    out: list[str] = []
    for part in (cell or "").split(";"):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def _reference_key(reference: str) -> str:
    """What identifies a reference: its URL, its github pointer, or its citation text."""
    match = _URL.match(reference) or _GITHUB.match(reference)
    return match.group(0) if match else reference


def source_slug(reference: str) -> str:
    github = _GITHUB.match(reference)
    if github and github.group("repo") == "ror-community/ror-records":
        release, _, record = github.group("path").partition("/")
        return f"ror-record-{slug(record.removesuffix('.json'))}-{slug(release)}"
    url = _URL.match(reference)
    if url:
        parts = urlsplit(url.group(1))
        host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
        text = slug(host + " " + parts.path + " " + parts.query)
        return text[:90].rstrip("-")
    return slug(reference)[:90].rstrip("-")


def source_label(reference: str) -> str:
    github = _GITHUB.match(reference)
    if github and github.group("repo") == "ror-community/ror-records":
        release, _, record = github.group("path").partition("/")
        return f"ROR registry record {record.removesuffix('.json')} (release {release})"
    url = _URL.match(reference)
    if url:
        note = reference[len(url.group(1)):].strip().strip("()").strip()
        host = urlsplit(url.group(1)).netloc.lower().removeprefix("www.")
        return f"Web page on {host}" + (f": {note}" if note else "")
    return f"Cited as: {reference}"


def publisher_slug(reference: str) -> str:
    github = _GITHUB.match(reference)
    if github and github.group("repo") == "ror-community/ror-records":
        return "ror"
    url = _URL.match(reference)
    host = urlsplit(url.group(1)).netloc.lower() if url else reference.split()[0].lower()
    host = host.removeprefix("www.").removeprefix("m.")
    return "website-" + slug(host)


def publisher_label(reference: str) -> str:
    if publisher_slug(reference) == "ror":
        return "Research Organization Registry (ROR)"
    url = _URL.match(reference)
    host = urlsplit(url.group(1)).netloc.lower() if url else reference.split()[0].lower()
    return "Publisher of " + host.removeprefix("www.")


def _one(function: Callable[[str], str | None]) -> Callable[[dict], str | None]:
    """Apply ``function`` to one reference (the ``idlab-fn:str`` argument)."""
    def apply(arguments: dict) -> str | None:
        reference = arguments.get(IDLAB + "str")
        return None if reference is None else function(reference.strip())
    return apply


def _nth_reference(arguments: dict) -> str | None:
    """The n-th (1-based ``igfn:index``) reference of a source cell, or nothing."""
    found = references(arguments.get(IDLAB + "str"))
    index = int(arguments.get(IGFN + "index") or "1")
    return found[index - 1] if 0 < index <= len(found) else None


def _url(reference: str) -> str | None:
    match = _URL.match(reference)
    return match.group(1) if match else None


def _identifier(reference: str) -> str | None:
    return None if _URL.match(reference) else _reference_key(reference)


def _string_split(arguments: dict):
    value = arguments.get(GREL + "valueParameter")
    if value is None:
        return None
    return [v.strip() for v in value.split(arguments.get(GREL + "p_string_sep") or ",") if v.strip()]


def _contains(arguments: dict) -> str:
    value = arguments.get(IDLAB + "str") or ""
    other = arguments.get(IDLAB + "otherStr") or ""
    delimiter = arguments.get(IDLAB + "delimiter")
    items = [v.strip().lower() for v in value.split(delimiter)] if delimiter else [value.lower()]
    return "true" if other.lower() in items else "false"


FUNCTIONS: dict[str, Callable[[dict], object]] = {
    GREL + "string_replace": lambda a: None if a.get(GREL + "valueParameter") is None else
    a[GREL + "valueParameter"].replace(a.get(GREL + "p_string_find") or "", a.get(GREL + "p_string_replace") or ""),
    GREL + "string_split": _string_split,
    GREL + "string_trim": lambda a: None if a.get(GREL + "valueParameter") is None else a[GREL + "valueParameter"].strip(),
    GREL + "toLowerCase": lambda a: None if a.get(GREL + "valueParameter") is None else a[GREL + "valueParameter"].lower(),
    IDLAB + "slugify": lambda a: None if a.get(IDLAB + "str") is None else slug(a[IDLAB + "str"]),
    IDLAB + "stringContainsOtherString": _contains,
    IDLAB + "trueCondition": lambda a: a.get(IDLAB + "str") if a.get(IDLAB + "strBoolean") == "true" else None,
    IDLAB + "equal": lambda a: "true" if a.get(GREL + "valueParameter") == a.get(GREL + "valueParameter2") else "false",
    IGFN + "reference": _nth_reference,
    # An instance IRI <kind/slug> from any text (usually a filled template): accents dropped.
    IGFN + "instance": lambda a: None if not a.get(IDLAB + "str") else
    ID_BASE + a.get(IGFN + "kind", "thing") + "/" + slug(a[IDLAB + "str"]),
    IGFN + "sourceIris": lambda a: [ID_BASE + "source/" + source_slug(r) for r in references(a.get(IDLAB + "str"))],
    IGFN + "sourceIri": _one(lambda r: ID_BASE + "source/" + source_slug(r)),
    IGFN + "sourceLabel": _one(source_label),
    IGFN + "sourceUrl": _one(_url),
    IGFN + "sourceIdentifier": _one(_identifier),
    IGFN + "publisherIri": _one(lambda r: ID_BASE + "organization/" + publisher_slug(r)),
    IGFN + "publisherLabel": _one(publisher_label),
}
