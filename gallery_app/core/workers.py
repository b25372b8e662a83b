"""Worker processes for per-photo work (import, export), set up the same way everywhere.

Each task runs in a separate process with a time limit (pebble kills a task that overruns and
replaces its worker), so one hostile file can only fail itself. Workers are started with
``spawn``: a fresh interpreter is safe to start from a GUI process that has threads, which
``fork`` is not.
"""

from __future__ import annotations

import multiprocessing
import os

from pebble import ProcessPool

from gallery_app.core.importing.worker import init_worker


def default_worker_count() -> int:
    return max(1, os.cpu_count() or 1)


def worker_pool(workers: int | None = None) -> ProcessPool:
    """A pool of bounded, low-priority worker processes (see :func:`init_worker`)."""
    return ProcessPool(
        max_workers=max(1, workers or default_worker_count()),
        initializer=init_worker,
        context=multiprocessing.get_context("spawn"),
    )
