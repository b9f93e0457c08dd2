"""A real OpenLink Virtuoso (Debian's ``virtuoso-opensource``) on a temporary database and free ports.

Used by the test fixture ``virtuoso_server`` (tests/conftest.py) and by bench/remote_stores.py.
It writes its own ``virtuoso.ini`` (nothing read from /etc), starts ``virtuoso-t +foreground``,
grants the anonymous ``SPARQL`` user the update role (so ``/sparql`` accepts SPARQL Update, as
innograph needs) and gives the ``dba`` account a password for the Digest-protected Graph Store
endpoint ``/sparql-graph-crud-auth``, waits until ``/sparql`` answers, and stops it afterwards.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
DBA_PASSWORD = "dba"

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {db}, {extra_dirs}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxQueryMem = 1G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
; 8 KB pages: about 170 MB of buffers (Virtuoso's advice: 2/3 of the memory it may use).
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0
MaxBodySize = {max_body}

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = {max_seconds}
DefaultGraph =
DeferInferenceRulesInit = 0
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def installed() -> bool:
    """Whether Debian's ``virtuoso-opensource`` (virtuoso-t and isql-vt) is on the PATH."""
    return bool(shutil.which(VIRTUOSO) and shutil.which(ISQL))


@dataclass
class Virtuoso:
    """A running Virtuoso: its ``/sparql`` URL, SQL port and database folder."""

    http_port: int
    sql_port: int
    folder: Path
    process: subprocess.Popen

    @property
    def sparql(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        """The Digest-protected Graph Store Protocol endpoint (user dba)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    def isql(self, *statements: str, timeout: float = 600) -> str:
        """Run SQL statements through ``isql-vt`` as dba; raises RuntimeError naming the failure."""
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        done = subprocess.run([ISQL, str(self.sql_port), "dba", DBA_PASSWORD, "VERBOSE=OFF",
                               "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT"],
                              input=script, capture_output=True, text=True, timeout=timeout)
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt failed on {statements!r}: {output.strip()[-800:]}")
        return output

    def environment(self) -> dict[str, str]:
        """The INNOGRAPH_REMOTE_* settings innograph needs for this server (docs/stores.md)."""
        return {"INNOGRAPH_REMOTE_DIALECT": "virtuoso",
                "INNOGRAPH_REMOTE_STORE_URL": self.graph_store,
                "INNOGRAPH_REMOTE_USER": "dba", "INNOGRAPH_REMOTE_PASSWORD": DBA_PASSWORD}


@contextlib.contextmanager
def running_virtuoso(folder: Path, *, extra_dirs: tuple[Path, ...] = (), buffers: int = 20000,
                     max_rows: int = 1_000_000, max_seconds: int = 600, start_timeout: float = 60):
    """A Virtuoso with its database in ``folder`` (created), on free 127.0.0.1 ports.

    ``extra_dirs`` are folders the server may read files from (its bulk loader, ``ld_dir``).
    Yields a :class:`Virtuoso`; the server is stopped (checkpoint and shutdown, then SIGKILL
    after 20 s) when the block ends.
    """
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = _free_port(), _free_port()
    while sql_port == http_port:
        sql_port = _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(db=folder, sql_port=sql_port, http_port=http_port, buffers=buffers,
                              dirty_buffers=buffers * 3 // 4, max_rows=max_rows, max_seconds=max_seconds,
                              max_body=64 * 1024 * 1024,
                              extra_dirs=", ".join(str(d) for d in extra_dirs) or "/nonexistent"))
    log = open(folder / "stdout.log", "wb")
    process = subprocess.Popen([VIRTUOSO, "+configfile", str(ini), "+foreground"], cwd=folder,
                               stdout=log, stderr=subprocess.STDOUT)
    server = Virtuoso(http_port, sql_port, folder, process)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                with urllib.request.urlopen(server.sparql + "?query=ASK%7B%7D", timeout=2) as response:
                    response.read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"virtuoso-t did not start on port {http_port}: "
                                       f"{(folder / 'virtuoso.log').read_text(errors='replace')[-1500:]}")
                time.sleep(0.2)
        # The anonymous /sparql user may update (innograph guards writes with its own token);
        # dba's password is set for the Digest Graph Store endpoint.
        server.isql('GRANT SPARQL_UPDATE TO "SPARQL"',
                    'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL"',
                    'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL"')
        yield server
    finally:
        if process.poll() is None:
            with contextlib.suppress(Exception):
                subprocess.run([ISQL, str(sql_port), "dba", DBA_PASSWORD, "exec=shutdown;"],
                               capture_output=True, timeout=20)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
