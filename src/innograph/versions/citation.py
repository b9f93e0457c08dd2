"""Citations of a query at a data version: BibTeX, CSL-JSON and RIS.

A citation names the query (its title), the dataset, the data version (id and date) and the
permanent URL that runs the same query with the same parameters on the same version, so that
following it later gives the same bytes.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

DATASET_TITLE = "innograph: a knowledge graph of science cities"
PUBLISHER = "The innograph project"


@dataclass(frozen=True)
class Citation:
    """What a citation says; ``accessed`` defaults to today (UTC)."""

    title: str
    url: str
    version: str
    version_time: str                  # ISO 8601 time of the version
    name: str | None = None            # the named query, if any
    accessed: datetime.date = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc).date())

    @property
    def date(self) -> datetime.date:
        """The date of the data version."""
        return datetime.datetime.fromisoformat(self.version_time).date()

    @property
    def key(self) -> str:
        """A citation key: ``innograph-<query name or 'query'>-<version>``."""
        return f"innograph-{self.name or 'query'}-{self.version}"

    def to_json(self) -> dict:
        """The permanent URL and the citation in every format."""
        return {"url": self.url, "version": self.version, "date": self.date.isoformat(),
                "title": self.title, "bibtex": bibtex(self), "csl": json.loads(csl_json(self)), "ris": ris(self)}


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#",
                   "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bibtex_text(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in text)


def bibtex(citation: Citation) -> str:
    """A BibLaTeX/BibTeX ``@misc`` entry (``url`` and ``urldate`` as BibLaTeX has them)."""
    fields = [("title", _bibtex_text(citation.title)),
              ("howpublished", _bibtex_text(f"Query on the dataset {DATASET_TITLE}, data version "
                                            f"{citation.version}")),
              ("organization", _bibtex_text(PUBLISHER)),
              ("version", citation.version),
              ("year", str(citation.date.year)),
              ("month", str(citation.date.month)),
              ("date", citation.date.isoformat()),
              ("url", citation.url.replace("%", r"\%").replace("#", r"\#")),
              ("urldate", citation.accessed.isoformat())]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{citation.key},\n{body}\n}}\n"


def _date_parts(day: datetime.date) -> dict:
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_json(citation: Citation) -> str:
    """A CSL-JSON list with one item of type ``dataset``."""
    item = {"id": citation.key, "type": "dataset", "title": citation.title,
            "container-title": DATASET_TITLE, "publisher": PUBLISHER, "version": citation.version,
            "issued": _date_parts(citation.date), "accessed": _date_parts(citation.accessed),
            "URL": citation.url}
    return json.dumps([item], ensure_ascii=False, indent=1) + "\n"


def ris(citation: Citation) -> str:
    """An RIS record of type DATA (tags ``TAG  - value``, CRLF line ends as the format has them)."""
    lines = [("TY", "DATA"), ("ID", citation.key), ("TI", citation.title), ("T2", DATASET_TITLE),
             ("PB", PUBLISHER), ("ET", citation.version), ("PY", str(citation.date.year)),
             ("DA", citation.date.strftime("%Y/%m/%d")), ("Y2", citation.accessed.strftime("%Y/%m/%d")),
             ("UR", citation.url), ("N1", f"Data version {citation.version}"), ("ER", "")]
    return "".join(f"{tag}  - {' '.join(value.split())}".rstrip(" ") + (" " if not value else "") + "\r\n"
                   for tag, value in lines)


FORMATS = {"bibtex": ("application/x-bibtex; charset=utf-8", bibtex),
           "csl": ("application/vnd.citationstyles.csl+json", csl_json),
           "ris": ("application/x-research-info-systems; charset=utf-8", ris)}

__all__ = ["Citation", "FORMATS", "bibtex", "csl_json", "ris"]
