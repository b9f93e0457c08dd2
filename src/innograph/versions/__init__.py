"""Data versions: a change log beside the store, content-hash version ids, past versions rebuilt
exactly, citations of queries and the sources of answers (docs/versions.md).

The write path calls one hook around each commit (``with recording(store, ...):``); everything
else reads the log through ``log_for(store)``.
"""

from .log import (LOG_FOLDER, Author, Version, VersionLog, content_sum, current_author, current_version,
                  forget, log_for, nquads_lines, record_first_load, recording, reset_author, set_author,
                  store_state, version_id)
from .snapshots import Snapshot

__all__ = ["Author", "LOG_FOLDER", "Snapshot", "Version", "VersionLog", "content_sum", "current_author",
           "current_version", "forget", "log_for", "nquads_lines", "record_first_load", "recording",
           "reset_author", "set_author", "store_state", "version_id"]
