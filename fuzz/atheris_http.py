"""Coverage-guided fuzzing (atheris) of the query check and the RDF parsing of uploads.

Run by ``make fuzz`` with a bounded number of runs: ``python fuzz/atheris_http.py -runs=N``.
Properties: ``execution.inspect`` and ``parsing.parse_bytes`` either succeed or raise an
InnographError (a 4xx with a message); any other exception, a hang or a crash is a finding.
Inputs pyoxigraph would parse never reach it unchecked: depth and SERVICE/LOAD are decided first.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from innograph.errors import InnographError
    from innograph.rdf.sparql import inspect
    from innograph.rdf.formats import RDF_FORMATS
    from innograph.rdf.parsing import parse_bytes


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    choice = provider.ConsumeIntInRange(0, len(RDF_FORMATS))
    payload = provider.ConsumeBytes(provider.remaining_bytes())
    if choice == len(RDF_FORMATS):
        text = payload.decode("utf-8", "replace")
        try:
            shape = inspect(text, update=bool(payload[:1] == b"U"), max_depth=64)
        except InnographError:
            return
        assert shape.depth <= 64
        return
    try:
        parse_bytes(payload, RDF_FORMATS[choice], base_iri="urn:fuzz:")
    except InnographError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
