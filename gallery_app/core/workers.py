"""Worker processes for per-photo work (import, export), set up the same way everywhere.

Each task runs in a separate process with a time limit (pebble kills a task that overruns and
replaces its worker), so one hostile file can only fail itself. Workers never come from a plain
``fork`` of the caller, which is unsafe in a GUI process with threads. Where the platform has
it, a ``forkserver`` (a clean process started once, with the imaging and metadata libraries
already imported) forks them, so a new worker is ready in milliseconds instead of the half
second a ``spawn`` spends importing Pillow and exiv2; elsewhere (Windows) they are spawned.

Starting the forkserver itself still costs a quarter of a second (a new interpreter importing
those libraries), and until it is up no photo can be decoded. :func:`start_worker_server` lets
a caller begin it early, in the background, while the caller does its own start-up: the
``gallery-app import`` command calls it before loading the command line (measured: the first
photo started 0.48 s after launch without it; see ``benchmarks/``). This module therefore
imports nothing heavy at load time.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pebble import ProcessPool


def default_worker_count() -> int:
    return max(1, os.cpu_count() or 1)


_PRELOAD = [
    "gallery_app.core.importing.worker",
    "gallery_app.core.metadata",
    "gallery_app.core.thumbnails",
    "gallery_app.core.export.renditions",
    # Imports libvips (no threads until first used, so forking after it is safe) once, instead
    # of once per worker; a missing or broken libvips only makes the resizes use Pillow.
    "gallery_app.core.resize_preload",
]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def start_worker_server() -> None:
    """Begin starting the forkserver in the background (no-op where workers are spawned).

    Safe to call more than once and from any thread; :func:`worker_pool` waits for the same
    server. A failure here is not reported: the pool's own start then reports it.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    _context()
    from multiprocessing import forkserver

    def ensure_running() -> None:
        try:
            forkserver.ensure_running()
        except Exception:  # the pool retries and says what is wrong
            return

    threading.Thread(target=ensure_running, name="worker-server", daemon=True).start()


def worker_pool(workers: int | None = None) -> ProcessPool:
    """A pool of bounded, low-priority worker processes (see :func:`init_worker`)."""
    from pebble import ProcessPool

    from gallery_app.core.importing.worker import init_worker

    return ProcessPool(
        max_workers=max(1, workers or default_worker_count()),
        initializer=init_worker,
        context=_context(),
    )
