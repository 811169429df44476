"""Bulk jobs over a whole account: export, mirror and purge, as library functions.

```python
from chatkit_async import AsyncChatKit
from chatkit_async.bulk import export, mirror, purge_user

async with AsyncChatKit() as client:
    report = await mirror(client, "chatkit.db")  # an incremental SQLite copy
    print(report.threads_new, report.items_added, report.requests)
```

* [`export`][chatkit_async.bulk.export] writes every thread with its items to JSON Lines; an
  interrupted export keeps its complete lines in ``FILE.partial`` and ``resume=True`` continues it.
* [`mirror`][chatkit_async.bulk.mirror] keeps a SQLite database in step with the account, fetching
  only what is new.
* [`purge_user`][chatkit_async.bulk.purge_user] deletes every thread of one user, and nobody else's.

Each takes an [`AsyncChatKit`][chatkit_async.AsyncChatKit] and returns a frozen report (counts, requests,
429s, seconds); ``export_sync``, ``mirror_sync`` and ``purge_user_sync`` do the same from a blocking
[`ChatKit`][chatkit_async.ChatKit]. Every request of a job goes through one
[`AdaptiveLimiter`][chatkit_async.bulk.AdaptiveLimiter]: a 429 pauses the whole job for the wait the
server asked for and halves the requests in flight, sustained success grows them back up to
``concurrency``, and the server's ``x-ratelimit-*`` headers set the pace. Errors are
[`ChatKitError`][chatkit_async.ChatKitError] subclasses:
[`JobInterrupted`][chatkit_async.bulk.JobInterrupted] when a request failed for good (what was done
is kept), and [`ExportFileError`][chatkit_async.bulk.ExportFileError] /
[`MirrorDatabaseError`][chatkit_async.bulk.MirrorDatabaseError] for the files.
"""

from __future__ import annotations

from ._common import (
    BulkJobError,
    ExportFileError,
    JobInterrupted,
    JobProgress,
    MirrorDatabaseError,
    ProgressCallback,
)
from ._export import export, export_sync, partial_path
from ._limiter import AdaptiveLimiter
from ._mirror import CHUNK_ITEMS, mirror, mirror_sync
from ._purge import purge_user, purge_user_sync
from ._reports import ExportReport, JobReport, MirrorReport, PurgeFailure, PurgeReport

__all__ = [
    "CHUNK_ITEMS",
    "AdaptiveLimiter",
    "BulkJobError",
    "ExportFileError",
    "ExportReport",
    "JobInterrupted",
    "JobProgress",
    "JobReport",
    "MirrorDatabaseError",
    "MirrorReport",
    "ProgressCallback",
    "PurgeFailure",
    "PurgeReport",
    "export",
    "export_sync",
    "mirror",
    "mirror_sync",
    "partial_path",
    "purge_user",
    "purge_user_sync",
]
