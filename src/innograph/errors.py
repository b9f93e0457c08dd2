"""The exception hierarchy. Every user-facing error says what was wrong and where.

``exit_code`` follows the CLI contract: 1 for invalid data, 2 for usage or syntax errors.
``http_status`` is what the web layer answers with.
"""

from __future__ import annotations

import difflib


class InnographError(Exception):
    """The base of every error innograph raises on purpose; ``str()`` is ``message`` alone.

    ``exit_code`` 2 and ``http_status`` 400 unless a subclass says otherwise.
    """

    exit_code = 2
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(InnographError):
    """A parameter or option is wrong; the message names it."""


class UnsupportedFormatError(InnographError):
    """No parser or serialiser for the requested format or media type."""

    http_status = 415


class NotAcceptable(InnographError):
    """None of the media types a request accepts (or the ``format`` it names) can hold the answer."""

    http_status = 406


class RdfSyntaxError(InnographError):
    """An RDF document could not be parsed. Carries the file (or 'request body'), line and column."""

    def __init__(self, message: str, *, source: str, line: int | None = None, column: int | None = None):
        self.source = source
        self.line = line
        self.column = column
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
        self.detail = message


class UnsafeInputError(RdfSyntaxError):
    """Input refused before parsing because it could make the parser fetch or expand without bound."""


class ValidationFailed(InnographError):
    """Data does not conform to the SHACL shapes. ``report`` holds every violation."""

    exit_code = 1
    http_status = 422

    def __init__(self, report):
        self.report = report
        n = len(report.violations)
        super().__init__(f"the data does not conform to the shapes: {n} violation{'s' if n != 1 else ''}\n"
                         + report.to_text())


class QuerySyntaxError(InnographError):
    """A SPARQL query or update does not parse; ``line``/``column`` say where when known."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        super().__init__(message)


class QueryRefused(InnographError):
    """The query is well-formed but not allowed here (SERVICE/LOAD outside the allow-list, too deep)."""


class QueryTimeout(InnographError):
    """A query ran past its time limit and was stopped (or a remote store did not answer in time)."""

    http_status = 503


class ServerBusy(InnographError):
    """Every query worker stayed busy for as long as a query may wait for one."""

    http_status = 503


class StoreError(InnographError):
    """The store could not be opened, read or written (locked, read-only, disk full...)."""

    http_status = 500


class StoreTimeout(StoreError):
    """A remote store did not answer within the time allowed."""

    http_status = 503


class Forbidden(InnographError):
    """A write refused whatever the token: the server is read-only, or the request is cross-origin."""

    http_status = 403


class Unauthorized(InnographError):
    """A write came without a bearer token, or with the wrong one."""

    http_status = 401


class TooManyRequests(InnographError):
    """A client went over a rate limit; ``retry_after`` is in seconds."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message)


class NotFound(InnographError):
    """A named thing (graph, named query, view, node, place) does not exist; the message names it."""

    http_status = 404


def did_you_mean(name: str, known, what: str) -> str:
    """``unknown WHAT 'name'`` followed by the closest known names (difflib) or the whole list."""


    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if close:
        return f"unknown {what} {name!r}; did you mean {' or '.join(repr(c) for c in close)}?"
    return f"unknown {what} {name!r}; known: {', '.join(known) or 'none'}"
