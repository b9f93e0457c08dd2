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
    # ';' inside a reference's parenthesised note ("(first census; year not given)") does not split.
    parts, depth, current = [], 0, ""
    for char in cell or "":
        depth += (char == "(") - (char == ")")
        if char == ";" and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    for part in parts:
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def _reference_key(reference: str) -> str:
    """What identifies a reference: its URL, its github pointer, or its citation text."""
    match = _URL.match(reference) or _GITHUB.match(reference)
    return match.group(0) if match else reference


def source_slug(reference: str) -> str:
    """The slug of a reference's source IRI, at most 90 characters: ``ror-record-<id>-<release>``
    for a ROR registry record, the host (without ``www.``/``m.``), path and query for a URL, else
    the citation itself."""
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
    """A reference's label: 'ROR registry record ID (release R)', 'Web page on HOST' (with the note
    in parentheses after the URL, if any), or 'Cited as: CITATION'."""
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
    """The slug of a reference's publisher IRI: 'ror' for a ROR registry record, else ``website-``
    and the slug of the URL's host (without ``www.``/``m.``) or of a citation's first word.
    Raises IndexError for a blank reference."""
    github = _GITHUB.match(reference)
    if github and github.group("repo") == "ror-community/ror-records":
        return "ror"
    url = _URL.match(reference)
    host = urlsplit(url.group(1)).netloc.lower() if url else reference.split()[0].lower()
    host = host.removeprefix("www.").removeprefix("m.")
    return "website-" + slug(host)


def publisher_label(reference: str) -> str:
    """A reference's publisher label: 'Research Organization Registry (ROR)' for a ROR registry
    record, else 'Publisher of HOST' (a citation's first word, lower-cased, for a citation).
    Raises IndexError for a blank reference."""
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


_YEAR_CELL = re.compile(r"^(c\.\s*)?([12][0-9]{3})$")
_DATE_TOKEN = re.compile(r"(?<![0-9])([12][0-9]{3})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?(?![0-9])")
_SCALE = {"thousand": 10 ** 3, "million": 10 ** 6, "billion": 10 ** 9, "trillion": 10 ** 12}


def _year(arguments: dict) -> str | None:
    """A reference-year cell as a year: '2022' and 'c.2022' give '2022'; anything else nothing."""
    match = _YEAR_CELL.match((arguments.get(IDLAB + "str") or "").strip())
    return match.group(2) if match else None


def _period_note(arguments: dict) -> str | None:
    """For an approximate year ('c.2022'), what was recorded and why; nothing for a plain year."""
    cell = (arguments.get(IDLAB + "str") or "").strip()
    match = _YEAR_CELL.match(cell)
    if not match or not match.group(1):
        return None
    return f"The source gives the reference year as '{cell}' (about {match.group(2)}); recorded as {match.group(2)}."


def _date_tokens(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in _DATE_TOKEN.finditer(text or "")))


def _date(arguments: dict) -> str | None:
    """A date in free text, if it has the wanted precision (``igfn:precision``: year, month, date).

    ``igfn:which`` 'first' (default) takes the first date written in the cell; 'sole' takes it only
    when the cell names a single date, so a cell where sources disagree ('1985 (some sources
    1988)') gives nothing and the disagreement is recorded elsewhere.
    """
    tokens = _date_tokens(arguments.get(IDLAB + "str") or "")
    which = arguments.get(IGFN + "which") or "first"
    if not tokens or (which == "sole" and len(tokens) != 1):
        return None
    length = {"year": 4, "month": 7, "date": 10}[arguments.get(IGFN + "precision") or "year"]
    return tokens[0] if len(tokens[0]) == length else None


def _number(arguments: dict) -> str | None:
    """A cell that is one plain decimal number, or nothing ('core 0.66; hinterland 1.80' is not)."""
    cell = (arguments.get(IDLAB + "str") or "").strip()
    return cell if re.fullmatch(r"[0-9]+(\.[0-9]+)?", cell) else None


def canonical_decimal(value) -> str:
    """A decimal as Oxigraph stores it: no exponent, no trailing zeros, no trailing '.0'."""
    from decimal import Decimal
    text = format(Decimal(value).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _base_unit_value(arguments: dict) -> str | None:
    """A number in base units: the unit cell's scale word multiplies it ('2.5', 'trillion KRW')."""
    from decimal import Decimal, InvalidOperation
    value = (arguments.get(IDLAB + "str") or "").strip()
    unit = (arguments.get(IGFN + "unit") or "").lower().split()
    factor = next((_SCALE[w] for w in unit if w in _SCALE), 1)
    try:
        return canonical_decimal(Decimal(value) * factor)
    except InvalidOperation:
        return None


def _instance(arguments: dict) -> str | None:
    """An instance IRI <kind/slug> from any text; nothing when an ``igfn:when`` argument is given empty."""
    if IGFN + "when" in arguments and not arguments[IGFN + "when"]:
        return None
    if not arguments.get(IDLAB + "str"):
        return None
    return ID_BASE + arguments.get(IGFN + "kind", "thing") + "/" + slug(arguments[IDLAB + "str"])


def _dataset_iri(arguments: dict) -> str | None:
    """<dataset/NAME-SOURCE>: one dataset per source of a table (its first reference)."""
    found = references(arguments.get(IDLAB + "str"))
    if not found:
        return None
    return ID_BASE + "dataset/" + slug(arguments.get(IGFN + "name") or "table") + "-" + source_slug(found[0])[:60].rstrip("-")


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
    IDLAB + "notEqual": lambda a: "false" if a.get(GREL + "valueParameter") == a.get(GREL + "valueParameter2") else "true",
    IGFN + "reference": _nth_reference,
    # An instance IRI <kind/slug> from any text (usually a filled template): accents dropped.
    IGFN + "instance": _instance,
    IGFN + "datasetIri": _dataset_iri,
    IGFN + "year": _year,
    IGFN + "periodNote": _period_note,
    IGFN + "date": _date,
    IGFN + "number": _number,
    IGFN + "baseUnitValue": _base_unit_value,
    IGFN + "sourceIris": lambda a: [ID_BASE + "source/" + source_slug(r) for r in references(a.get(IDLAB + "str"))],
    IGFN + "sourceIri": _one(lambda r: ID_BASE + "source/" + source_slug(r)),
    IGFN + "sourceLabel": _one(source_label),
    IGFN + "sourceUrl": _one(_url),
    IGFN + "sourceIdentifier": _one(_identifier),
    IGFN + "publisherIri": _one(lambda r: ID_BASE + "organization/" + publisher_slug(r)),
    IGFN + "publisherLabel": _one(publisher_label),
}
