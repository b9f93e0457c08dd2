"""SPARQL results as tables for Python: rows of Python values, or a pandas DataFrame with typed columns.

Both read the SPARQL 1.1 Query Results JSON that the query path renders, so a notebook gets what
the endpoint would have answered. A literal becomes the Python value of its datatype (integers,
decimals and doubles, booleans, dates and date-times, years as integers); IRIs and blank nodes stay
strings (``_:`` before a blank node's label). A DataFrame column is typed when every value in it has
one kind: ``Int64`` (nullable integers), ``float64``, ``boolean``, ``datetime64`` for dates;
otherwise it holds Python objects.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_FLOATS = {XSD + "double", XSD + "float"}
_DECIMAL = XSD + "decimal"
_BOOLEAN = XSD + "boolean"
_DATE = XSD + "date"
_DATETIME = XSD + "dateTime"
_YEAR = XSD + "gYear"


def python_value(binding: dict | None):
    """The Python value of one SPARQL JSON binding (None when unbound). A literal whose lexical form
    does not fit its datatype is kept as its text."""
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return value
    if kind == "bnode":
        return "_:" + value
    if kind == "triple":
        return value
    datatype = binding.get("datatype")
    try:
        if datatype in _INTEGERS or datatype == _YEAR:
            return int(value)
        if datatype in _FLOATS:
            return float(value)
        if datatype == _DECIMAL:
            return Decimal(value)
        if datatype == _BOOLEAN:
            return value in ("true", "1")
        if datatype == _DATE:
            return datetime.date.fromisoformat(value)
        if datatype == _DATETIME:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return value


class Rows(list):
    """Result rows as dicts of Python values (what ``KnowledgeGraph.query`` returns without pandas).

    ``variables`` lists the columns in the query's order.
    """

    variables: list[str]

    def __init__(self, rows=(), variables=()):
        super().__init__(rows)
        self.variables = list(variables)

    def __repr__(self) -> str:
        return (f"<{len(self)} rows of {', '.join(self.variables) or 'no variables'}; "
                f"pip install 'innograph[notebook]' for pandas DataFrames>")


def parse_solutions(body: bytes) -> tuple[list[str], list[list]]:
    """(variables, rows of Python values) from SPARQL 1.1 Query Results JSON."""
    document = json.loads(body)
    variables = document["head"].get("vars", [])
    rows = [[python_value(binding.get(name)) for name in variables]
            for binding in document["results"]["bindings"]]
    return variables, rows


def to_rows(body: bytes) -> Rows:
    """SPARQL JSON results as :class:`Rows` (dicts keyed by variable)."""
    variables, rows = parse_solutions(body)
    return Rows([dict(zip(variables, row)) for row in rows], variables)


def to_frame(body: bytes):
    """SPARQL JSON results as a pandas DataFrame with a typed column wherever the values allow it.

    Raises ImportError when pandas is not installed.
    """
    import pandas as pd  # optional dependency: innograph[notebook]

    variables, rows = parse_solutions(body)
    columns = {}
    for index, name in enumerate(variables):
        values = [row[index] for row in rows]
        columns[name] = _typed_column(pd, values)
    return pd.DataFrame(columns, columns=variables)


def _typed_column(pd, values: list):
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if not present:
        return pd.Series(values, dtype="object")
    if kinds == {bool}:
        return pd.Series(values, dtype="boolean")
    if kinds == {int}:
        return pd.Series(values, dtype="Int64")
    if kinds <= {int, float, Decimal}:
        return pd.Series([None if v is None else float(v) for v in values], dtype="float64")
    if kinds == {datetime.date}:
        return pd.to_datetime(pd.Series(values, dtype="object"))
    if kinds == {datetime.datetime}:
        return pd.to_datetime(pd.Series(values, dtype="object"), utc=True)
    return pd.Series(values, dtype="object")
