"""Past versions rebuilt from the change log, checked against their content hash.

A version's state is rebuilt by replaying the patches of every version up to it (the N-Quads
lines kept in a set: each removal and addition is a set operation), then bulk-loaded into a
scratch on-disk Oxigraph store (so query worker processes can open it by path) and its content
hash compared with the one recorded. The cost is proportional to the log up to that version:
reading its patches and writing the state once (``bench/versions.py`` measures it at 100k and 1M
triples).
"""

from __future__ import annotations

import shutil
import tempfile

from ..errors import StoreError
from ..store import OxigraphStore
from .log import Version, VersionLog, quads_of_lines, store_state, version_id


class Snapshot(OxigraphStore):
    """A rebuilt past version in a scratch directory (removed on close), read-only once built."""

    def __init__(self, log: VersionLog, version: Version):
        self._tmp = tempfile.mkdtemp(prefix=f"innograph-version-{version.id}-")
        super().__init__(self._tmp)
        self.version = version
        try:
            lines = log.state_lines(version)
            if lines:
                self._store.bulk_extend(quads_of_lines(sorted(lines)))
                self._store.flush()
            state = store_state(self)
            if f"{state:064x}" != version.state:
                raise StoreError(f"version {version.id} could not be rebuilt exactly: the rebuilt state "
                                 f"hashes to {version_id(state)} (the change log is damaged)")
        except BaseException:
            self.close()
            raise
        self.read_only = True
        self.location = f"version {version.id}"

    def close(self) -> None:
        """Close the store and delete its scratch directory."""
        super().close()
        shutil.rmtree(self._tmp, ignore_errors=True)
