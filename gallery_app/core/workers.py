"""Worker processes for per-photo work (import, export), set up the same way everywhere.

Each task runs in a separate process with a time limit (pebble kills a task that overruns and
replaces its worker), so one hostile file can only fail itself. Workers never come from a plain
``fork`` of the caller, which is unsafe in a GUI process with threads. Where the platform has
it, a ``forkserver`` (a clean process started once, with the imaging and metadata libraries
already imported) forks them, so a new worker is ready in milliseconds instead of the half
second a ``spawn`` spends importing Pillow and exiv2; elsewhere (Windows) they are spawned.
"""

from __future__ import annotations

import multiprocessing
import os

from pebble import ProcessPool

from gallery_app.core.importing.worker import init_worker


def default_worker_count() -> int:
    return max(1, os.cpu_count() or 1)


_PRELOAD = [
    "gallery_app.core.importing.worker",
    "gallery_app.core.metadata",
    "gallery_app.core.thumbnails",
    "gallery_app.core.export.renditions",
]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def worker_pool(workers: int | None = None) -> ProcessPool:
    """A pool of bounded, low-priority worker processes (see :func:`init_worker`)."""
    return ProcessPool(
        max_workers=max(1, workers or default_worker_count()),
        initializer=init_worker,
        context=_context(),
    )
